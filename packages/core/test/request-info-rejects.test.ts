/**
 * Request targets kgate refuses instead of guessing. Each one could name one thing to kgate
 * and another to kube-apiserver or a router in between, so accepting it would let a user
 * be authorized for one request and run another.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isKgateError } from '@kgate/core/errors';
import { parseRequestInfo } from '@kgate/core/request-info';

interface RejectRow {
  /** What a user could get away with if this were accepted. */
  risk: string;
  path: string;
  query?: string;
  method?: string;
  /** A word the message must contain, so the user sees what is wrong. */
  says: RegExp;
}

const rows: RejectRow[] = [
  { risk: 'an empty path would be read as the server root', path: '', says: /is empty/ },
  {
    risk: 'a relative path would resolve against whatever base a router picks',
    path: 'api/v1/pods',
    says: /does not start with "\/"/,
  },
  {
    risk: 'a NUL byte could cut the path short in a C-based router',
    path: '/api/v1/namespaces/default/pods\u0000/x',
    says: /control character U\+0000/,
  },
  {
    risk: 'a raw newline could forge a second log or header line',
    path: '/api/v1/pods\nx',
    says: /control character U\+000A/,
  },
  {
    risk: 'an encoded NUL would reach the API server as part of a name',
    path: '/api/v1/namespaces/default/pods/web%00',
    says: /encoded control character U\+0000/,
  },
  {
    risk: 'an encoded newline in a name could forge audit lines',
    path: '/api/v1/namespaces/default/pods/a%0Ab',
    says: /encoded control character U\+000A/,
  },
  {
    risk: 'a query left in the path would be authorized as part of a name',
    path: '/api/v1/namespaces/default/pods?watch=true',
    says: /"\?" or "#"/,
  },
  {
    risk: 'a fragment in the path would be dropped by some parsers and kept by others',
    path: '/api/v1/namespaces/default/pods#x',
    says: /"\?" or "#"/,
  },
  {
    risk: 'a backslash is read as "/" by some servers, changing the resource',
    path: '/api/v1/namespaces/default\\secrets',
    says: /backslash/,
  },
  {
    risk: 'an encoded backslash is decoded and then read as "/" by some servers',
    path: '/api/v1/namespaces/default/pods/a%5Cb',
    says: /encoded backslash/,
  },
  {
    risk: 'a raw space splits the request line for some servers',
    path: '/api/v1/namespaces/default/pods/a b',
    says: /U\+0020/,
  },
  {
    risk: 'raw non-ASCII is encoded differently by different layers',
    path: '/api/v1/namespaces/défault/pods',
    says: /U\+00E9/,
  },
  {
    risk: 'an encoded slash is one segment to kgate but two to kube-apiserver (secrets instead of a namespace)',
    path: '/api/v1/namespaces/kube-system%2Fsecrets',
    says: /encoded slash/,
  },
  {
    risk: 'a lower-case encoded slash is the same trick',
    path: '/api/v1/namespaces/default/pods/a%2fb',
    says: /encoded slash/,
  },
  {
    risk: 'a double slash is cleaned or redirected by some routers, shifting every segment',
    path: '/api//v1/pods',
    says: /empty segment/,
  },
  {
    risk: 'a double slash inside a proxied path changes what the pod serves',
    path: '/api/v1/namespaces/ns/pods/web/proxy/a//b',
    says: /empty segment/,
  },
  {
    risk: 'two leading slashes look like a network-path reference to URL parsers',
    path: '//evil.example/api/v1/pods',
    says: /empty segment/,
  },
  {
    risk: 'a trailing slash on a collection may be routed differently from the collection',
    path: '/api/v1/namespaces/default/pods/',
    says: /ends with "\/"/,
  },
  {
    risk: 'a trailing slash on a discovery path may be routed differently',
    path: '/apis/',
    says: /ends with "\/"/,
  },
  {
    risk: 'a trailing slash on a health path may be routed differently',
    path: '/healthz/',
    says: /ends with "\/"/,
  },
  {
    risk: 'a trailing slash on an object may be read as a list',
    path: '/api/v1/namespaces/default/pods/web/',
    says: /ends with "\/"/,
  },
  {
    risk: 'upstream "just apiversion" with a trailing slash is refused, not read as discovery',
    path: '/api/version/',
    says: /ends with "\/"/,
  },
  {
    risk: 'upstream "just prefix, group, version" with a trailing slash is refused',
    path: '/apis/group/version/',
    says: /ends with "\/"/,
  },
  {
    risk: '".." would be resolved by a client or router to another namespace\'s secrets',
    path: '/api/v1/namespaces/default/../kube-system/secrets',
    says: /"\.\." segment/,
  },
  {
    risk: '"." would be removed by a router, shifting the segments',
    path: '/api/v1/namespaces/default/./pods',
    says: /"\." segment/,
  },
  {
    risk: 'an encoded ".." is decoded into a traversal by the next layer',
    path: '/api/v1/namespaces/%2e%2e/secrets',
    says: /"\.\." segment \(encoded as "%2e%2e"\)/,
  },
  {
    risk: 'a half-encoded ".." is the same traversal',
    path: '/api/v1/namespaces/.%2E/secrets',
    says: /"\.\." segment/,
  },
  {
    risk: 'an encoded "." is removed like a raw one',
    path: '/api/v1/namespaces/%2e/pods',
    says: /"\." segment/,
  },
  {
    risk: 'a ".." in a proxied path would reach another path on the pod or the node',
    path: '/api/v1/nodes/n1/proxy/../../../etc/passwd',
    says: /"\.\." segment/,
  },
  {
    risk: 'a "%" without hex digits is dropped by one parser and kept by another',
    path: '/api/v1/namespaces/default/pods/100%',
    says: /not followed by two hex digits/,
  },
  {
    risk: 'a "%" followed by non-hex characters is read two ways',
    path: '/api/v1/namespaces/default/pods/a%zzb',
    says: /not followed by two hex digits/,
  },
  {
    risk: 'bytes that are not UTF-8 decode differently in Go and JavaScript',
    path: '/api/v1/namespaces/default/pods/a%FFb',
    says: /not UTF-8/,
  },
  {
    risk: 'a truncated UTF-8 sequence decodes differently in Go and JavaScript',
    path: '/api/v1/namespaces/default/pods/a%C3',
    says: /not UTF-8/,
  },
  {
    risk: 'a watch prefix with nothing to watch fails in kube-apiserver too',
    path: '/api/v1/watch',
    says: /"watch" verb but no resource/,
  },
  {
    risk: 'a proxy prefix with nothing to proxy to fails in kube-apiserver too',
    path: '/api/v1/proxy',
    says: /"proxy" verb but no resource/,
  },
  {
    risk: 'a group watch prefix with nothing to watch fails in kube-apiserver too',
    path: '/apis/apps/v1/watch',
    says: /"watch" verb but no resource/,
  },
  {
    risk: 'watch=true then watch=false is a watch to kube-apiserver but a list to a last-value parser',
    path: '/api/v1/pods',
    query: 'watch=true&watch=false',
    says: /"watch" repeated with conflicting values \("true", "false"\)/,
  },
  {
    risk: 'watch=0 then watch=1 is the same ambiguity',
    path: '/api/v1/pods',
    query: 'watch=0&watch=1',
    says: /conflicting values/,
  },
  {
    risk: 'a conflicting repeated watch is refused even on a single object, since the query is forwarded',
    path: '/api/v1/namespaces/ns/pods/web',
    query: 'watch=1&watch=false',
    says: /conflicting values/,
  },
  {
    risk: 'two metadata.name selectors (upstream "repeated param") would authorize one name and list another',
    path: '/apis/group/version/resource',
    query: 'fieldSelector=metadata.name%3Dfoo&fieldSelector=metadata.name%3Dbar',
    says: /"fieldSelector" repeated with different values/,
  },
  {
    risk: 'two label selectors would be filtered by one and audited as the other',
    path: '/apis/group/version/resource',
    query: 'labelSelector=foo%3Dbar&labelSelector=foo%3Dbaz',
    says: /"labelSelector" repeated/,
  },
  {
    risk: 'a ";" in the query is a separator to some parsers and dropped by Go',
    path: '/api/v1/pods',
    query: 'watch=false;watch=true',
    says: /";"/,
  },
  {
    risk: 'a bad escape in a query value is dropped by Go and kept by JavaScript',
    path: '/api/v1/pods',
    query: 'fieldSelector=metadata.name%3Dweb%zz',
    says: /invalid percent-encoding/,
  },
  {
    risk: 'a bad escape in a query key hides the parameter from one parser only',
    path: '/api/v1/pods',
    query: 'wat%ch=true',
    says: /invalid percent-encoding/,
  },
  {
    risk: 'a query value that is not UTF-8 decodes differently in Go and JavaScript',
    path: '/api/v1/pods',
    query: 'labelSelector=a%3D%FF',
    says: /invalid percent-encoding/,
  },
  {
    risk: 'a raw space in the query splits the request line',
    path: '/api/v1/pods',
    query: 'labelSelector=app in (a)',
    says: /query containing " "/,
  },
  {
    risk: 'a fragment marker in the query is cut by some parsers',
    path: '/api/v1/pods',
    query: 'watch=true#x',
    says: /query containing "#"/,
  },
];

for (const row of rows) {
  test(`refused: ${row.risk} (${JSON.stringify(row.path + (row.query ? `?${row.query}` : ''))})`, () => {
    assert.throws(
      () => parseRequestInfo({ method: row.method ?? 'GET', path: row.path, query: row.query }),
      (err: unknown) => {
        assert.ok(
          isKgateError(err, 'REQUEST_PATH_INVALID'),
          `expected REQUEST_PATH_INVALID, got ${String(err)}`,
        );
        assert.ok(
          err.message.includes(JSON.stringify(row.path)),
          `message ${JSON.stringify(err.message)} does not name the path`,
        );
        assert.match(err.message, row.says);
        assert.equal(err.user, true);
        assert.ok(err.hint && err.hint.length > 5, 'a refusal tells the user how to fix the request');
        return true;
      },
    );
  });
}

test('a refusal of a very long path quotes only its start, so the message stays readable', () => {
  const path = `/api/v1/namespaces/${'a'.repeat(5000)}/../secrets`;
  assert.throws(
    () => parseRequestInfo({ method: 'GET', path }),
    (err: unknown) => {
      assert.ok(isKgateError(err, 'REQUEST_PATH_INVALID'));
      assert.ok(err.message.length < 400, `message is ${err.message.length} characters`);
      assert.ok(err.message.includes(path.slice(0, 100)));
      return true;
    },
  );
});

test('a refusal of a path with control characters shows them escaped, never raw', () => {
  assert.throws(
    () => parseRequestInfo({ method: 'GET', path: '/api/v1/pods\r\nX-Forged: 1' }),
    (err: unknown) => {
      assert.ok(isKgateError(err, 'REQUEST_PATH_INVALID'));
      assert.doesNotMatch(err.message, /[\r\n]/);
      assert.match(err.message, /\\r\\n/);
      return true;
    },
  );
});
