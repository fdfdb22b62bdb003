/** What the streams need to know of a stored pod. */
export interface PodRef {
  namespace: string;
  name: string;
  /** Container names in spec order (the first is the default). */
  containers: string[];
  /** Container ports declared in the pod spec (port-forward accepts any port; these are informative). */
  ports: number[];
  /** Environment of the first container (`spec.containers[0].env` name/value pairs). */
  env: Record<string, string>;
}
