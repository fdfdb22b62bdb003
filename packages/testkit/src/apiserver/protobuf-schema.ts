/**
 * Protobuf field numbers of the kinds and fields `kubectl create` and the review
 * commands send (from k8s.io/api and k8s.io/apimachinery generated.proto).
 */

export type Scalar = 'string' | 'bytes' | 'bool' | 'int' | 'time' | 'intOrString' | 'quantity';
export interface FieldDef {
  name: string;
  type: Scalar | { message: string } | { map: 'string' | 'bytes' | 'quantity' };
  repeated?: boolean;
  /** A pointer field in Go: a zero value is kept. */
  keep?: boolean;
}
export type MessageDef = Record<number, FieldDef>;

const s = (name: string): FieldDef => ({ name, type: 'string' });
const int = (name: string, keep = false): FieldDef => ({ name, type: 'int', keep });
const bool = (name: string, keep = false): FieldDef => ({ name, type: 'bool', keep });
const msg = (name: string, message: string, repeated = false): FieldDef => ({
  name,
  type: { message },
  repeated,
});
const strings = (name: string): FieldDef => ({ name, type: 'string', repeated: true });
const map = (name: string, value: 'string' | 'bytes' | 'quantity'): FieldDef => ({
  name,
  type: { map: value },
});

export const schema: Record<string, MessageDef> = {
  ObjectMeta: {
    1: s('name'),
    2: s('generateName'),
    3: s('namespace'),
    5: s('uid'),
    6: s('resourceVersion'),
    7: int('generation'),
    11: map('labels', 'string'),
    12: map('annotations', 'string'),
    13: msg('ownerReferences', 'OwnerReference', true),
    14: strings('finalizers'),
  },
  OwnerReference: {
    5: s('apiVersion'),
    1: s('kind'),
    3: s('name'),
    4: s('uid'),
    6: bool('controller', true),
    7: bool('blockOwnerDeletion', true),
  },
  LabelSelector: {
    1: map('matchLabels', 'string'),
    2: msg('matchExpressions', 'LabelSelectorRequirement', true),
  },
  LabelSelectorRequirement: { 1: s('key'), 2: s('operator'), 3: strings('values') },
  Namespace: { 1: msg('metadata', 'ObjectMeta'), 2: msg('spec', 'NamespaceSpec') },
  NamespaceSpec: { 1: strings('finalizers') },
  ConfigMap: {
    1: msg('metadata', 'ObjectMeta'),
    2: map('data', 'string'),
    3: map('binaryData', 'bytes'),
    4: bool('immutable', true),
  },
  Secret: {
    1: msg('metadata', 'ObjectMeta'),
    2: map('data', 'bytes'),
    3: s('type'),
    4: map('stringData', 'string'),
    5: bool('immutable', true),
  },
  ServiceAccount: {
    1: msg('metadata', 'ObjectMeta'),
    2: msg('secrets', 'ObjectReference', true),
    3: msg('imagePullSecrets', 'LocalObjectReference', true),
    4: bool('automountServiceAccountToken', true),
  },
  ObjectReference: {
    1: s('kind'),
    2: s('namespace'),
    3: s('name'),
    4: s('uid'),
    5: s('apiVersion'),
    6: s('resourceVersion'),
    7: s('fieldPath'),
  },
  LocalObjectReference: { 1: s('name') },
  Service: { 1: msg('metadata', 'ObjectMeta'), 2: msg('spec', 'ServiceSpec') },
  ServiceSpec: {
    1: msg('ports', 'ServicePort', true),
    2: map('selector', 'string'),
    3: s('clusterIP'),
    18: strings('clusterIPs'),
    4: s('type'),
    5: strings('externalIPs'),
    7: s('sessionAffinity'),
    10: s('externalName'),
    11: s('externalTrafficPolicy'),
    19: strings('ipFamilies'),
    17: s('ipFamilyPolicy'),
    22: s('internalTrafficPolicy'),
  },
  ServicePort: {
    1: s('name'),
    2: s('protocol'),
    6: s('appProtocol'),
    3: int('port', true),
    4: { name: 'targetPort', type: 'intOrString' },
    5: int('nodePort'),
  },
  Deployment: { 1: msg('metadata', 'ObjectMeta'), 2: msg('spec', 'DeploymentSpec') },
  DeploymentSpec: {
    1: int('replicas', true),
    2: { ...msg('selector', 'LabelSelector'), keep: true },
    3: { ...msg('template', 'PodTemplateSpec'), keep: true },
    4: { ...msg('strategy', 'DeploymentStrategy'), keep: true },
    5: int('minReadySeconds'),
    6: int('revisionHistoryLimit', true),
    7: bool('paused'),
    9: int('progressDeadlineSeconds', true),
  },
  DeploymentStrategy: { 1: s('type'), 2: msg('rollingUpdate', 'RollingUpdateDeployment') },
  RollingUpdateDeployment: {
    1: { name: 'maxUnavailable', type: 'intOrString' },
    2: { name: 'maxSurge', type: 'intOrString' },
  },
  Pod: { 1: msg('metadata', 'ObjectMeta'), 2: msg('spec', 'PodSpec') },
  PodTemplateSpec: {
    1: { ...msg('metadata', 'ObjectMeta'), keep: true },
    2: { ...msg('spec', 'PodSpec'), keep: true },
  },
  PodSpec: {
    20: msg('initContainers', 'Container', true),
    2: { ...msg('containers', 'Container', true), keep: true },
    3: s('restartPolicy'),
    4: int('terminationGracePeriodSeconds', true),
    6: s('dnsPolicy'),
    7: map('nodeSelector', 'string'),
    8: s('serviceAccountName'),
    9: s('serviceAccount'),
    10: s('nodeName'),
    11: bool('hostNetwork'),
    15: msg('imagePullSecrets', 'LocalObjectReference', true),
    16: s('hostname'),
    19: s('schedulerName'),
    24: s('priorityClassName'),
    30: bool('enableServiceLinks', true),
  },
  Container: {
    1: { ...s('name'), keep: true },
    2: s('image'),
    3: strings('command'),
    4: strings('args'),
    5: s('workingDir'),
    6: msg('ports', 'ContainerPort', true),
    7: msg('env', 'EnvVar', true),
    8: { ...msg('resources', 'ResourceRequirements'), keep: true },
    9: msg('volumeMounts', 'VolumeMount', true),
    13: s('terminationMessagePath'),
    20: s('terminationMessagePolicy'),
    14: s('imagePullPolicy'),
    16: bool('stdin'),
    17: bool('stdinOnce'),
    18: bool('tty'),
  },
  ContainerPort: {
    1: s('name'),
    2: int('hostPort'),
    3: int('containerPort', true),
    4: s('protocol'),
    5: s('hostIP'),
  },
  EnvVar: { 1: { ...s('name'), keep: true }, 2: s('value') },
  ResourceRequirements: { 1: map('limits', 'quantity'), 2: map('requests', 'quantity') },
  VolumeMount: { 1: s('name'), 2: bool('readOnly'), 3: s('mountPath'), 4: s('subPath') },
  SelfSubjectReview: { 1: msg('metadata', 'ObjectMeta') },
  SelfSubjectAccessReview: {
    1: msg('metadata', 'ObjectMeta'),
    2: msg('spec', 'SelfSubjectAccessReviewSpec'),
  },
  SelfSubjectAccessReviewSpec: {
    1: msg('resourceAttributes', 'ResourceAttributes'),
    2: msg('nonResourceAttributes', 'NonResourceAttributes'),
  },
  ResourceAttributes: {
    1: s('namespace'),
    2: s('verb'),
    3: s('group'),
    4: s('version'),
    5: s('resource'),
    6: s('subresource'),
    7: s('name'),
  },
  NonResourceAttributes: { 1: s('path'), 2: s('verb') },
};
