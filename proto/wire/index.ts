/**
 * The tunnel's wire protocol, shared by kgate-central and kgate-agent: the generated
 * protobuf-es messages and service (proto/gen), the hand-framed Proxy stream, header
 * rules and protocol constants. Each package imports this one module (through its own
 * `tunnel/proto.ts`), so moving it into a package later touches two lines.
 */
export * from '../gen/kgate/tunnel/v1/tunnel_pb.js';
export { AsyncQueue } from './async-queue.ts';
export * from './constants.ts';
export {
  encodeFrame,
  FrameChannel,
  type FrameChannelHandlers,
  FrameDecoder,
  type ProxyFrameInit,
} from './frames.ts';
export * from './headers.ts';
