/**
 * The backend instance behind 'native': tfjs' MathBackendCPU plus a pool of output
 * buffers. A training step allocates the same large tensors every step, and a fresh zeroed
 * Float32Array of a megabyte costs tens of microseconds in page faults, more than many
 * kernels. Native kernels take their outputs from alloc(); when such a tensor is disposed,
 * its array is reused for the next output of the same length.
 *
 * An array is recycled only if nothing else can still see it: it was attached to exactly
 * one dataId by write(), was never handed out by readSync()/read() (dataSync, data,
 * moving to another backend), and no other tensor was created on a view of its buffer
 * (the cpu Slice kernel returns subarray views). Anything else is left to the GC.
 */
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { engine, util } from '@tensorflow/tfjs-core';
import type { BackendValues, DataId, DataType, TensorInfo } from '@tensorflow/tfjs-core';

const MIN_POOLED = 16384; // floats; smaller arrays are cheap to allocate
const MAX_POOLED_BYTES = 64 << 20;
const MAX_PER_LENGTH = 8;

export class NativeBackendCPU extends MathBackendCPU {
  private readonly free = new Map<number, Float32Array[]>();
  private pooledBytes = 0;
  /** allocated by alloc(), not yet attached to a dataId */
  private readonly fresh = new WeakSet<Float32Array>();
  /** buffer -> the one array over it, attached to one dataId and never exposed */
  private readonly owned = new WeakMap<ArrayBufferLike, Float32Array>();
  /** deferred outputs (see deferred()) not computed yet -> the inputs they hold */
  private readonly pending = new Map<DataId, DataId[]>();

  /**
   * A float32 tensor of `shape` whose values compute(out) writes on first read of its values
   * (by a kernel, dataSync, ...). A gradient that is computed but never used — tfjs' fused
   * conv2d returns the input gradient of the first layer, which nothing reads — then costs
   * nothing. Until then the inputs are held (refCount + 1), so their arrays can be neither
   * recycled nor updated in place: the values, whenever computed, are those of an eager call.
   */
  deferred(shape: number[], inputs: TensorInfo[], compute: (out: Float32Array) => void): TensorInfo {
    const n = util.sizeFromShape(shape);
    const info = this.makeTensorInfo(shape, 'float32', new Float32Array(0));
    const entry = this.data.get(info.dataId) as { values: BackendValues };
    const held = inputs.map((t) => t.dataId);
    for (const id of held) this.incRef(id);
    this.pending.set(info.dataId, held);
    const settle = (values: BackendValues): void => {
      Object.defineProperty(entry, 'values', { value: values, writable: true, enumerable: true, configurable: true });
      this.release(info.dataId);
    };
    Object.defineProperty(entry, 'values', {
      configurable: true,
      enumerable: true,
      get: () => {
        const out = this.alloc(n);
        compute(out);
        this.track(out);
        settle(out);
        return out;
      },
      set: settle,
    });
    return info;
  }

  /** Drops what a deferred output holds (it was computed, or disposed unread). */
  private release(dataId: DataId): void {
    const held = this.pending.get(dataId);
    if (held == null) return;
    this.pending.delete(dataId);
    for (const id of held) {
      // the engine disposed the tensor while this held it: forget the dataId there as well
      if (this.disposeData(id)) engine().removeDataId(id, this);
    }
  }

  /** An output array of n floats; contents undefined (kernels overwrite every element). */
  alloc(n: number): Float32Array {
    if (n < MIN_POOLED) return new Float32Array(n);
    const list = this.free.get(n);
    const a = list?.pop();
    if (a) {
      this.pooledBytes -= a.byteLength;
    }
    const out = a ?? new Float32Array(n);
    this.fresh.add(out);
    return out;
  }

  /**
   * The float32 array of a tensor that a kernel may update in place: its dataId must be held
   * by one tensor only (refCount 1), and the array must be this backend's own, never handed
   * out (dataSync/data) nor viewed by another tensor. An array that fails the second test is
   * first replaced by a private copy, so whatever holds the old one keeps seeing old values,
   * as if the update had made a new tensor. Null if the tensor is not float32 here or is
   * shared.
   */
  privateFloat32(dataId: DataId): Float32Array | null {
    if (!this.data.has(dataId)) return null;
    const entry = this.data.get(dataId);
    if (entry.refCount !== 1 || entry.dtype !== 'float32' || !(entry.values instanceof Float32Array)) return null;
    if (this.owned.get(entry.values.buffer) === entry.values) return entry.values;
    const copy = Float32Array.from(entry.values);
    entry.values = copy;
    this.owned.set(copy.buffer, copy);
    return copy;
  }

  override write(values: BackendValues, shape: number[], dtype: DataType): DataId {
    this.track(values);
    return super.write(values, shape, dtype);
  }

  override move(dataId: DataId, values: BackendValues, shape: number[], dtype: DataType, refCount: number): void {
    this.track(values);
    super.move(dataId, values, shape, dtype, refCount);
  }

  override readSync(dataId: DataId): BackendValues {
    this.expose(dataId);
    return super.readSync(dataId);
  }

  override read(dataId: DataId): Promise<BackendValues> {
    this.expose(dataId);
    return super.read(dataId);
  }

  override disposeData(dataId: DataId, force = false): boolean {
    if (this.pending.has(dataId)) {
      // never read: nothing to compute, nothing to recycle
      const released = super.disposeData(dataId, force);
      if (!this.data.has(dataId)) this.release(dataId);
      return released;
    }
    const values = this.data.has(dataId) ? this.data.get(dataId).values : undefined;
    const released = super.disposeData(dataId, force);
    if (values instanceof Float32Array && !this.data.has(dataId) && this.owned.get(values.buffer) === values) {
      this.owned.delete(values.buffer);
      this.recycle(values);
    }
    return released;
  }

  override dispose(): void {
    this.pending.clear();
    this.free.clear();
    this.pooledBytes = 0;
    super.dispose();
  }

  private track(values: BackendValues): void {
    if (!ArrayBuffer.isView(values)) return;
    if (values instanceof Float32Array && this.fresh.has(values)) {
      this.fresh.delete(values);
      this.owned.set(values.buffer, values);
      return;
    }
    // a second tensor over an owned buffer (a view, or the same array again): never recycle it
    this.owned.delete(values.buffer);
  }

  private expose(dataId: DataId): void {
    if (!this.data.has(dataId)) return;
    const values = this.data.get(dataId).values;
    if (ArrayBuffer.isView(values)) this.owned.delete(values.buffer);
  }

  private recycle(a: Float32Array): void {
    if (a.length < MIN_POOLED) return;
    if (this.pooledBytes + a.byteLength > MAX_POOLED_BYTES) return;
    let list = this.free.get(a.length);
    if (list == null) {
      list = [];
      this.free.set(a.length, list);
    }
    if (list.length >= MAX_PER_LENGTH) return;
    list.push(a);
    this.pooledBytes += a.byteLength;
  }
}

/** An output array for a native kernel running on `backend`. */
export function allocOutput(backend: MathBackendCPU, n: number): Float32Array {
  return backend instanceof NativeBackendCPU ? backend.alloc(n) : new Float32Array(n);
}
