/**
 * Pod IP allocation from the node's podCIDR, as a CNI host-local IPAM plugin does: the next free
 * address after the last one handed out (so a released address is not reused at once), skipping
 * the network address, the gateway (.1) and the broadcast address. IPv4 only.
 */

function ipToNumber(ip: string): number {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255))
    throw new Error(`invalid IPv4 address ${ip}`);
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}

function numberToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export class PodIpAllocationError extends Error {
  readonly code = 'KEELSON_POD_IPS_EXHAUSTED';
  constructor(cidr: string) {
    super(`no free pod IP left in ${cidr}`);
    this.name = 'PodIpAllocationError';
  }
}

export class PodIpAllocator {
  readonly cidr: string;
  readonly #first: number;
  readonly #last: number;
  readonly #byOwner = new Map<string, number>();
  readonly #used = new Set<number>();
  #next: number;

  constructor(cidr: string) {
    const [address, bits] = cidr.split('/');
    const prefix = Number(bits);
    if (address === undefined || !Number.isInteger(prefix) || prefix < 8 || prefix > 30)
      throw new Error(`invalid pod CIDR ${cidr}: want an IPv4 CIDR between /8 and /30`);
    const size = 2 ** (32 - prefix);
    const network = (ipToNumber(address) & ~(size - 1)) >>> 0;
    this.cidr = cidr;
    this.#first = network + 2;
    this.#last = network + size - 2;
    this.#next = this.#first;
  }

  contains(ip: string): boolean {
    try {
      const n = ipToNumber(ip);
      return n >= this.#first - 2 && n <= this.#last + 1;
    } catch {
      return false;
    }
  }

  /** The owner's address, allocating one if it has none. */
  allocate(owner: string): string {
    const held = this.#byOwner.get(owner);
    if (held !== undefined) return numberToIp(held);
    const span = this.#last - this.#first + 1;
    for (let i = 0; i < span; i++) {
      const candidate = this.#first + ((this.#next - this.#first + i) % span);
      if (this.#used.has(candidate)) continue;
      this.#used.add(candidate);
      this.#byOwner.set(owner, candidate);
      this.#next = candidate + 1 > this.#last ? this.#first : candidate + 1;
      return numberToIp(candidate);
    }
    throw new PodIpAllocationError(this.cidr);
  }

  /** The owner's address, if it holds one. */
  held(owner: string): string | undefined {
    const n = this.#byOwner.get(owner);
    return n === undefined ? undefined : numberToIp(n);
  }

  /** Marks an address already in use by `owner` (a pod that kept its IP across a restart). */
  reserve(owner: string, ip: string): void {
    if (!this.contains(ip) || this.#byOwner.has(owner)) return;
    const n = ipToNumber(ip);
    if (this.#used.has(n)) return;
    this.#used.add(n);
    this.#byOwner.set(owner, n);
  }

  release(owner: string): void {
    const held = this.#byOwner.get(owner);
    if (held === undefined) return;
    this.#byOwner.delete(owner);
    this.#used.delete(held);
  }

  get allocated(): number {
    return this.#byOwner.size;
  }
}
