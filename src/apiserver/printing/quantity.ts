/**
 * Canonical form of a resource quantity, as `resource.Quantity.String()` prints it: `1024Mi` is
 * `1Gi`, `1500m` stays `1500m`, `0.5Gi` is `512Mi`. Values are exact (BigInt, in nano-units, rounded
 * up like ParseQuantity) and keep the suffix family they were written in: binary (`Ki`…`Ei`),
 * decimal SI (`m`, `k`, `M`…) or decimal exponent (`1e3`).
 */

type Format = 'BinarySI' | 'DecimalSI' | 'DecimalExponent';

const binarySuffixes = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];
const decimalExponents: Record<string, number> = {
  n: -9,
  u: -6,
  m: -3,
  '': 0,
  k: 3,
  M: 6,
  G: 9,
  T: 12,
  P: 15,
  E: 18,
};
const decimalSuffixes = new Map(
  Object.entries(decimalExponents).map(([suffix, exponent]) => [exponent, suffix]),
);
const quantityPattern = /^([+-]?)(\d*)(?:\.(\d*))?(?:(Ki|Mi|Gi|Ti|Pi|Ei)|([numkMGTPE])|[eE]([+-]?\d+))?$/;
const nano = 10n ** 9n;

interface ParsedQuantity {
  /** The value times 10^9, its magnitude rounded up. */
  nanos: bigint;
  format: Format;
}

function parseQuantity(text: string): ParsedQuantity | undefined {
  const match = quantityPattern.exec(text.trim());
  if (match === null) return undefined;
  const [, sign = '', whole = '', fraction = '', binary, decimal, exponent] = match;
  if (whole === '' && fraction === '') return undefined;
  let numerator = BigInt(`${whole}${fraction}` || '0') * nano;
  let denominator = 10n ** BigInt(fraction.length);
  let format: Format = 'DecimalSI';
  if (binary !== undefined) {
    numerator *= 1024n ** BigInt(binarySuffixes.indexOf(binary));
    format = 'BinarySI';
  } else {
    const power = exponent !== undefined ? Number(exponent) : (decimalExponents[decimal ?? ''] ?? 0);
    if (exponent !== undefined) format = 'DecimalExponent';
    if (power >= 0) numerator *= 10n ** BigInt(power);
    else denominator *= 10n ** BigInt(-power);
  }
  let nanos = numerator / denominator;
  if (numerator % denominator !== 0n) nanos += 1n;
  return { nanos: sign === '-' ? -nanos : nanos, format };
}

/**
 * `Quantity.String()` of a JSON quantity (a string, or a number as JSON also allows). `undefined`
 * prints `<nil>` as a nil `*Quantity` does; text that is no quantity is returned unchanged.
 */
export function formatQuantity(value: unknown): string {
  if (value === undefined || value === null) return '<nil>';
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value : '';
  const parsed = parseQuantity(text);
  if (parsed === undefined) return text;
  const { nanos } = parsed;
  if (nanos === 0n) return '0';
  const negative = nanos < 0n;
  const magnitude = negative ? -nanos : nanos;
  const sign = negative ? '-' : '';
  let format = parsed.format;
  if (format === 'BinarySI' && (magnitude < 1024n * nano || magnitude % nano !== 0n)) format = 'DecimalSI';
  if (format === 'BinarySI') {
    let units = magnitude / nano;
    let step = 0;
    while (step < binarySuffixes.length - 1 && units % 1024n === 0n) {
      units /= 1024n;
      step++;
    }
    return `${sign}${units}${binarySuffixes[step]}`;
  }
  let exponent = -9;
  let mantissa = magnitude;
  while (exponent < 18 && mantissa % 1000n === 0n) {
    mantissa /= 1000n;
    exponent += 3;
  }
  const suffix =
    format === 'DecimalExponent' ? (exponent === 0 ? '' : `e${exponent}`) : decimalSuffixes.get(exponent);
  return `${sign}${mantissa}${suffix ?? ''}`;
}
