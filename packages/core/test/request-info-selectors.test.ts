/**
 * How a list or watch query narrows request info: `fieldSelector=metadata.name=x` names the
 * object (so a rule limited to resource names can allow it), unless kube-apiserver fails to
 * decode the list options, in which case it authorizes the list for every name. kgate
 * must reach the same name, or it allows what the cluster would check more strictly.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRequestInfo, type RequestInfo } from '@kgate/core/request-info';

function parse(method: string, url: string): RequestInfo {
  const q = url.indexOf('?');
  return parseRequestInfo({
    method,
    path: q < 0 ? url : url.slice(0, q),
    query: q < 0 ? undefined : url.slice(q + 1),
  });
}

interface SelectorRow {
  user: string;
  method: string;
  url: string;
  name: string;
  verb: string;
  fieldSelector?: string;
  labelSelector?: string;
}

// Ported from upstream TestSelectorParsing, plus kgate's additions. (Upstream's "selector on
// repeated param" case is refused by kgate; see request-info-rejects.test.ts.)
const rows: SelectorRow[] = [
  {
    user: 'a list without selectors has no name',
    method: 'GET',
    url: '/apis/group/version/resource',
    name: '',
    verb: 'list',
  },
  {
    user: 'a metadata.name selector narrows a list to that name',
    method: 'GET',
    url: '/apis/group/version/resource?fieldSelector=metadata.name=name1',
    name: 'name1',
    verb: 'list',
    fieldSelector: 'metadata.name=name1',
  },
  {
    user: 'a metadata.name selector narrows a watch to that name',
    method: 'GET',
    url: '/apis/group/version/resource?watch=true&fieldSelector=metadata.name=name1',
    name: 'name1',
    verb: 'watch',
    fieldSelector: 'metadata.name=name1',
  },
  {
    user: 'other selectors are recorded but name nothing',
    method: 'GET',
    url: '/apis/group/version/resource?fieldSelector=foo=bar&labelSelector=baz=qux',
    name: '',
    verb: 'list',
    fieldSelector: 'foo=bar',
    labelSelector: 'baz=qux',
  },
  {
    user: 'an invalid field selector does not narrow the list, even if it mentions metadata.name',
    method: 'GET',
    url: '/apis/group/version/resource?fieldSelector=metadata.name=name1,foo',
    name: '',
    verb: 'list',
    fieldSelector: 'metadata.name=name1,foo',
  },
  {
    user: 'an invalid field selector still lets watch=true make a watch',
    method: 'GET',
    url: '/apis/group/version/resource?fieldSelector=metadata.name=name1,foo&watch=true',
    name: '',
    verb: 'watch',
    fieldSelector: 'metadata.name=name1,foo',
  },
  {
    user: 'an invalid field selector with watch=false stays a list',
    method: 'GET',
    url: '/apis/group/version/resource?fieldSelector=metadata.name=name1,foo&watch=false',
    name: '',
    verb: 'list',
    fieldSelector: 'metadata.name=name1,foo',
  },
  {
    user: 'selectors on a deletecollection are recorded',
    method: 'DELETE',
    url: '/apis/group/version/resource?fieldSelector=foo=bar&labelSelector=baz=qux',
    name: '',
    verb: 'deletecollection',
    fieldSelector: 'foo=bar',
    labelSelector: 'baz=qux',
  },
  {
    user: 'selectors on a get are ignored',
    method: 'GET',
    url: '/apis/group/version/resource/name?fieldSelector=foo=bar&labelSelector=foo=bar',
    name: 'name',
    verb: 'get',
  },
  {
    user: 'selectors on the old /watch/ collection prefix are not read',
    method: 'GET',
    url: '/apis/group/version/watch/resource?fieldSelector=metadata.name=foo&labelSelector=foo=bar',
    name: '',
    verb: 'watch',
  },
  {
    user: 'selectors on the old /watch/ object prefix are not read',
    method: 'GET',
    url: '/apis/group/version/watch/resource/name?fieldSelector=metadata.name=foo&labelSelector=foo=bar',
    name: 'name',
    verb: 'watch',
  },
  // kgate's additions.
  {
    user: 'metadata.name==x narrows like metadata.name=x',
    method: 'GET',
    url: '/api/v1/pods?fieldSelector=metadata.name%3D%3Dweb',
    name: 'web',
    verb: 'list',
    fieldSelector: 'metadata.name==web',
  },
  {
    user: 'metadata.name!=x names nothing (it matches every other object)',
    method: 'GET',
    url: '/api/v1/pods?fieldSelector=metadata.name!%3Dweb',
    name: '',
    verb: 'list',
    fieldSelector: 'metadata.name!=web',
  },
  {
    user: 'metadata.name combined with another field still narrows to the name',
    method: 'GET',
    url: '/api/v1/pods?fieldSelector=status.phase%3DRunning,metadata.name%3Dweb',
    name: 'web',
    verb: 'list',
    fieldSelector: 'status.phase=Running,metadata.name=web',
  },
  {
    user: 'of two metadata.name terms, the first in sorted order wins, as upstream',
    method: 'GET',
    url: '/api/v1/pods?fieldSelector=metadata.name%3Db,metadata.name%3Da',
    name: 'a',
    verb: 'list',
    fieldSelector: 'metadata.name=b,metadata.name=a',
  },
  {
    user: 'an escaped comma in the name is part of the name',
    method: 'GET',
    url: '/api/v1/pods?fieldSelector=metadata.name%3Da%5C%2Cb',
    name: 'a,b',
    verb: 'list',
    fieldSelector: 'metadata.name=a\\,b',
  },
  {
    user: 'an unknown escape makes the field selector invalid, so no name',
    method: 'GET',
    url: '/api/v1/pods?fieldSelector=metadata.name%3Da%5Cb',
    name: '',
    verb: 'list',
    fieldSelector: 'metadata.name=a\\b',
  },
  {
    user: 'a selected name ".." is not a usable object name, so no name',
    method: 'GET',
    url: '/api/v1/pods?fieldSelector=metadata.name%3D..',
    name: '',
    verb: 'list',
    fieldSelector: 'metadata.name=..',
  },
  {
    user: 'a selected name with "/" is not a usable object name, so no name',
    method: 'GET',
    url: '/api/v1/pods?fieldSelector=metadata.name%3Da%2Fb',
    name: '',
    verb: 'list',
    fieldSelector: 'metadata.name=a/b',
  },
  {
    user: 'a selected name with "%" is not a usable object name, so no name',
    method: 'GET',
    url: '/api/v1/pods?fieldSelector=metadata.name%3Da%25b',
    name: '',
    verb: 'list',
    fieldSelector: 'metadata.name=a%b',
  },
  {
    user: 'an invalid label selector makes the API server ignore the metadata.name selector',
    method: 'GET',
    url: '/api/v1/pods?fieldSelector=metadata.name%3Dweb&labelSelector=app+in+(a',
    name: '',
    verb: 'list',
    fieldSelector: 'metadata.name=web',
    labelSelector: 'app in (a',
  },
  {
    user: 'a non-integer limit makes the API server ignore the metadata.name selector',
    method: 'GET',
    url: '/api/v1/pods?fieldSelector=metadata.name%3Dweb&limit=abc',
    name: '',
    verb: 'list',
    fieldSelector: 'metadata.name=web',
  },
  {
    user: 'a limit past int64 makes the API server ignore the metadata.name selector',
    method: 'GET',
    url: '/api/v1/pods?fieldSelector=metadata.name%3Dweb&limit=9223372036854775808',
    name: '',
    verb: 'list',
    fieldSelector: 'metadata.name=web',
  },
  {
    user: 'a fractional timeoutSeconds makes the API server ignore the metadata.name selector',
    method: 'GET',
    url: '/api/v1/pods?fieldSelector=metadata.name%3Dweb&timeoutSeconds=1.5&watch=true',
    name: '',
    verb: 'watch',
    fieldSelector: 'metadata.name=web',
  },
  {
    user: 'kubectl get pod web -w with limit and timeout still narrows to web',
    method: 'GET',
    url: '/api/v1/namespaces/ns/pods?fieldSelector=metadata.name%3Dweb&limit=500&timeoutSeconds=-1&watch=true',
    name: 'web',
    verb: 'watch',
    fieldSelector: 'metadata.name=web',
  },
  {
    user: '"watch=falſe" (long s) lists, because the API server compares with Unicode case folding',
    method: 'GET',
    url: '/api/v1/pods?watch=fal%C5%BFe',
    name: '',
    verb: 'list',
  },
  {
    user: '"watch=falſe" watches once decoding fails, because the fallback only lower-cases',
    method: 'GET',
    url: '/api/v1/pods?watch=fal%C5%BFe&limit=x',
    name: '',
    verb: 'watch',
  },
];

for (const row of rows) {
  test(`${row.user} (${row.method} ${row.url})`, () => {
    const info = parse(row.method, row.url);
    assert.equal(info.name, row.name, 'name');
    assert.equal(info.verb, row.verb, 'verb');
    assert.equal(info.fieldSelector, row.fieldSelector, 'fieldSelector');
    assert.equal(info.labelSelector, row.labelSelector, 'labelSelector');
  });
}

// Label selectors from upstream's labels TestSelectorParse and TestSetSelectorParser: valid
// ones keep the metadata.name narrowing, invalid ones lose it, exactly as in kube-apiserver.
const validLabelSelectors = [
  'x=a,y=b,z=c',
  '',
  'x!=a,y=b',
  'x=',
  'x= ',
  'x=,z= ',
  'x= ,z= ',
  '!x',
  'x>1',
  'x>1,z<5',
  '\rx',
  'this-is-a-dns.domain.com/key-with-dash',
  'this-is-another-dns.domain.com/key-with-dash in (so,what)',
  '0.1.2.domain/99 notin (10.10.100.1, tick.tack.clock)',
  'foo  in\t (abc)',
  'x notin\n (abc)',
  'x  notin\t\t\t(abc,def)',
  'x in (abc,def)',
  'x in (abc,)',
  'x in (abc,abc)',
  'x in ()',
  'x in (a,,)',
  'x in (a,,,)',
  'x in (a,,,,,,)',
  'x in (a,,a,,a,,a,,)',
  'x notin (abc,,def),bar,z in (),w',
  'x,y in (a)',
  'x=a',
  'x<7',
  'x=a,y!=b',
  'x=a,y!=b,z in (h,i,j)',
  'x notin ( )',
  'x notin (, a)',
  'a ',
  'a in (x,y,notin, z,in)',
  'app.kubernetes.io/name==web',
];
const invalidLabelSelectors = [
  'x=a||y=b',
  'x==a==b',
  '!x=a',
  'x<a',
  'x,,y',
  ',x,y',
  'x nott in (y)',
  'a in (xyz),',
  'a in (xyz)b notin ()',
  'a in (xyz abc)',
  'a notin(',
  'a (',
  '(',
  'x>',
  'x>1.5',
  'x=a b',
  '-x',
  'Example.com/x',
  '/x',
  'a/b/c',
  `x=${'v'.repeat(64)}`,
  `${'k'.repeat(64)}`,
  'x=-a',
  'x>-5',
];

for (const selector of validLabelSelectors) {
  test(`a valid label selector ${JSON.stringify(selector)} keeps a list narrowed by metadata.name`, () => {
    const query = new URLSearchParams({ fieldSelector: 'metadata.name=web', labelSelector: selector });
    const info = parseRequestInfo({ method: 'GET', path: '/api/v1/pods', query: query.toString() });
    assert.equal(info.name, 'web');
    assert.equal(info.labelSelector, selector);
  });
}

for (const selector of invalidLabelSelectors) {
  test(`an invalid label selector ${JSON.stringify(selector)} widens the list to all names, as in kube-apiserver`, () => {
    const query = new URLSearchParams({ fieldSelector: 'metadata.name=web', labelSelector: selector });
    const info = parseRequestInfo({ method: 'GET', path: '/api/v1/pods', query: query.toString() });
    assert.equal(info.name, '');
    assert.equal(info.verb, 'list');
  });
}
