/**
 * The YAML dialect kubeconfig files are read and written in.
 *
 * kubectl reads YAML 1.1 (go-yaml v2), where plain `yes`, `no`, `on`, `off`, `y`, `n`
 * are booleans and `012` is octal. kgate reads and writes with the same schema, so a
 * namespace named `no` is written quoted and kubectl reads it back as a string.
 * Timestamps and sexagesimal numbers are left out: go-yaml v2 hands both to kubectl
 * as strings, and so do we, which keeps unknown fields unchanged on a round trip.
 */
import type { Tags } from 'yaml';

function withoutTimeTags(tags: Tags): Tags {
  return tags.filter(
    (tag) => typeof tag === 'string' || (tag.format !== 'TIME' && tag.tag !== 'tag:yaml.org,2002:timestamp'),
  );
}

/** Schema options shared by reading and writing. */
export const yamlSchemaOptions = { version: '1.1', customTags: withoutTimeTags } as const;

/**
 * Output options matching kubectl's layout: sequences not indented under their key,
 * no line folding, and no anchors even when one object appears twice.
 */
export const yamlWriteOptions = {
  ...yamlSchemaOptions,
  indentSeq: false,
  lineWidth: 0,
  aliasDuplicateObjects: false,
} as const;
