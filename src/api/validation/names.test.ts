import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  isConfigMapKey,
  isDNS1035Label,
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  isRelaxedEnvVarName,
  isValidLabelValue,
  isValidPathSegmentName,
  isValidPortName,
  nameIsDNSLabel,
  nameIsDNSSubdomain,
  regexError,
} from './names.ts';

const subdomainMessage =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const labelMessage =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const qualifiedNamePart =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

describe('DNS names', () => {
  it('reports a bad subdomain with the regex message', () => {
    assert.deepEqual(isDNS1123Subdomain('Bad_Name'), [subdomainMessage]);
    assert.deepEqual(isDNS1123Subdomain('a.b-c.d'), []);
    assert.deepEqual(isDNS1123Subdomain('a..b'), [subdomainMessage]);
  });

  it('limits a subdomain to 253 bytes and reports both problems', () => {
    assert.deepEqual(isDNS1123Subdomain('a'.repeat(253)), []);
    assert.deepEqual(isDNS1123Subdomain('a'.repeat(254)), ['must be no more than 253 characters']);
    assert.deepEqual(isDNS1123Subdomain(`${'a'.repeat(253)}-`), [
      'must be no more than 253 characters',
      subdomainMessage,
    ]);
  });

  it('tells a label with dots from one with bad characters', () => {
    assert.deepEqual(isDNS1123Label('my.name'), ['must not contain dots']);
    assert.deepEqual(isDNS1123Label('My-Name'), [labelMessage]);
    assert.deepEqual(isDNS1123Label('a'.repeat(64)), ['must be no more than 63 characters']);
    assert.deepEqual(isDNS1123Label('0abc'), []);
  });

  it('requires DNS-1035 labels to start with a letter', () => {
    assert.deepEqual(isDNS1035Label('1web'), [
      "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
    ]);
    assert.deepEqual(isDNS1035Label('web-1'), []);
  });

  it('lets a generateName end with a dash, masking it as Kubernetes does', () => {
    assert.deepEqual(nameIsDNSSubdomain('web-', true), []);
    assert.deepEqual(nameIsDNSSubdomain('web-', false), [subdomainMessage]);
    assert.deepEqual(nameIsDNSLabel('Web-', true), [labelMessage]);
  });

  it('judges a long name that defeats backtracking regexes', () => {
    assert.deepEqual(isDNS1123Subdomain(`${'a-'.repeat(50_000)}!`), [
      'must be no more than 253 characters',
      subdomainMessage,
    ]);
  });
});

describe('qualified names and label values', () => {
  it('accepts prefixed and plain names', () => {
    assert.deepEqual(isQualifiedName('app.kubernetes.io/name'), []);
    assert.deepEqual(isQualifiedName('MyName'), []);
  });

  it('reports an empty name part twice, as Go does', () => {
    assert.deepEqual(isQualifiedName('example.com/'), ['name part must be non-empty', qualifiedNamePart]);
  });

  it('prefixes subdomain problems with "prefix part"', () => {
    assert.deepEqual(isQualifiedName('Example.com/x'), [`prefix part ${subdomainMessage}`]);
    assert.deepEqual(isQualifiedName('/x'), ['prefix part must be non-empty']);
  });

  it('rejects more than one slash with one message', () => {
    assert.deepEqual(isQualifiedName('a/b/c'), [
      "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ]);
  });

  it('limits the name part to 63 characters', () => {
    assert.deepEqual(isQualifiedName('a'.repeat(64)), ['name part must be no more than 63 characters']);
  });

  it('accepts empty label values and rejects bad ones', () => {
    assert.deepEqual(isValidLabelValue(''), []);
    assert.deepEqual(isValidLabelValue('-bad'), [
      "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
    ]);
    assert.deepEqual(isValidLabelValue('v'.repeat(64)), ['must be no more than 63 characters']);
  });
});

describe('other formats', () => {
  it('builds regex errors with Go spacing', () => {
    assert.equal(regexError('msg', 'fmt'), "msg (regex used for validation is 'fmt')");
    assert.equal(
      regexError('msg', 'fmt', 'a', 'b'),
      "msg (e.g. 'a',  or 'b', regex used for validation is 'fmt')",
    );
  });

  it('checks config keys, including the ".." prefix', () => {
    assert.deepEqual(isConfigMapKey('app.properties'), []);
    assert.deepEqual(isConfigMapKey('..data'), ["must not start with '..'"]);
    assert.deepEqual(isConfigMapKey('a b'), [
      "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
    ]);
  });

  it('checks port names', () => {
    assert.deepEqual(isValidPortName('http'), []);
    assert.deepEqual(isValidPortName('8080'), ['must contain at least one letter (a-z)']);
    assert.deepEqual(isValidPortName('-a--b-'), [
      'must not contain consecutive hyphens',
      'must not begin or end with a hyphen',
    ]);
    assert.deepEqual(isValidPortName('a-very-long-port-name'), ['must be no more than 15 characters']);
  });

  it('accepts relaxed environment variable names but not "="', () => {
    assert.deepEqual(isRelaxedEnvVarName('1 weird-but.ok'), []);
    assert.deepEqual(isRelaxedEnvVarName('A=B'), [
      "a valid environment variable name must consist only of printable ASCII characters other than '='",
    ]);
  });

  it('checks path segment names', () => {
    assert.deepEqual(isValidPathSegmentName('system:controller'), []);
    assert.deepEqual(isValidPathSegmentName('..'), ["may not be '..'"]);
    assert.deepEqual(isValidPathSegmentName('a/b%c'), ["may not contain '/'", "may not contain '%'"]);
  });
});
