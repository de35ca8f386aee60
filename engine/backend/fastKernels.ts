import type { KernelConfig, KernelFunc, Tensor, TensorInfo } from '@tensorflow/tfjs';
import type { Tf } from '../types.ts';

/**
 * The subset of the wasm backend we touch: tensor views straight onto the wasm heap.
 * (`BackendWasm` is not exported as a type from @tensorflow/tfjs.)
 */
type WasmBackendLike = {
  makeOutput(shape: number[], dtype: string): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): Float32Array | Int32Array | Uint8Array;
};

/**
 * tfjs-backend-wasm 4.22 implements Slice (and Unpack/SplitV, which call it) by first copying the
 * *whole* input tensor out of the wasm heap (`readSync`) for every slice: splitting a 470k-value
 * buffer into 30 parameters took 36 ms, unstacking 16 sequences 5 ms. These replacements copy only
 * the sliced runs from a heap view (what Concat already does). Same semantics, same dtype rules;
 * strings fall back to the original kernel. Idempotent; a no-op when the wasm backend is absent.
 *
 * @returns the kernel names that were replaced
 */
export function installFastWasmKernels(tf: Tf): string[] {
  const replaced: string[] = [];
  const original = tf.getKernel('Slice', 'wasm');
  if (!original || (original.kernelFunc as { caravanFast?: boolean }).caravanFast) return replaced;

  const sliceInto = (backend: WasmBackendLike, x: TensorInfo, begin: number[], size: number[]): TensorInfo => {
    const out = backend.makeOutput(size, x.dtype);
    const total = size.reduce((a, b) => a * b, 1);
    if (total === 0) return out;
    // Views are created after makeOutput, which may grow (and so detach) the heap.
    const xv = backend.typedArrayFromHeap(x);
    const ov = backend.typedArrayFromHeap(out);
    const shape = x.shape;
    const rank = shape.length;
    const strides = new Array<number>(rank);
    let s = 1;
    for (let i = rank - 1; i >= 0; i--) {
      strides[i] = s;
      s *= shape[i] ?? 1;
    }
    // Collapse trailing dimensions that are taken whole into one contiguous run.
    let inner = rank - 1;
    let run = size[inner] ?? 1;
    while (inner > 0 && size[inner] === shape[inner] && (begin[inner] ?? 0) === 0) {
      inner--;
      run *= size[inner] ?? 1;
    }
    if (inner === 0 || rank === 0) {
      const off = (begin[0] ?? 0) * (strides[0] ?? 1);
      ov.set(xv.subarray(off, off + total));
      return out;
    }
    // Walk the outer indices [0, inner) odometer-style.
    const idx = new Array<number>(inner).fill(0);
    let o = 0;
    for (;;) {
      let off = (begin[inner] ?? 0) * (strides[inner] ?? 1);
      for (let d = 0; d < inner; d++) off += ((begin[d] ?? 0) + (idx[d] ?? 0)) * (strides[d] ?? 1);
      ov.set(xv.subarray(off, off + run), o);
      o += run;
      let d = inner - 1;
      while (d >= 0) {
        idx[d] = (idx[d] ?? 0) + 1;
        if ((idx[d] ?? 0) < (size[d] ?? 1)) break;
        idx[d] = 0;
        d--;
      }
      if (d < 0) break;
    }
    return out;
  };

  const slice: KernelFunc & { caravanFast?: boolean } = (args) => {
    const x = args.inputs.x as TensorInfo;
    if (x.dtype === 'string') return original.kernelFunc(args);
    const attrs = args.attrs as { begin: number | number[]; size: number | number[] };
    const [begin, size] = tf.slice_util.parseSliceParams(x as Tensor, attrs.begin, attrs.size) as [number[], number[]];
    return sliceInto(args.backend as unknown as WasmBackendLike, x, begin, size);
  };
  slice.caravanFast = true;

  const unpack: KernelFunc = (args) => {
    const x = args.inputs.value as TensorInfo;
    const originalUnpack = tf.getKernel('Unpack', 'wasm');
    if (x.dtype === 'string' || !originalUnpack) throw new Error('Unpack of strings is not supported here');
    const axis = (args.attrs as { axis: number }).axis;
    const num = x.shape[axis] ?? 0;
    const outShape = x.shape.filter((_, i) => i !== axis);
    const size = x.shape.slice();
    size[axis] = 1;
    const begin = new Array<number>(x.shape.length).fill(0);
    const backend = args.backend as unknown as WasmBackendLike;
    const outs: TensorInfo[] = [];
    for (let i = 0; i < num; i++) {
      begin[axis] = i;
      const o = sliceInto(backend, x, begin, size);
      outs.push({ ...o, shape: outShape });
    }
    return outs;
  };

  const splitV: KernelFunc = (args) => {
    const x = args.inputs.x as TensorInfo;
    const { numOrSizeSplits, axis } = args.attrs as { numOrSizeSplits: number | number[]; axis: number | number[] };
    const $axis = tf.util.parseAxisParam(axis, x.shape)[0] ?? 0;
    const splitSizes = tf.backend_util.prepareSplitSize(x as Tensor, numOrSizeSplits, $axis);
    const begin = new Array<number>(x.shape.length).fill(0);
    const size = x.shape.slice();
    const backend = args.backend as unknown as WasmBackendLike;
    return splitSizes.map((s) => {
      size[$axis] = s;
      const o = sliceInto(backend, x, begin.slice(), size.slice());
      begin[$axis] = (begin[$axis] ?? 0) + s;
      return o;
    });
  };

  const originalConcat = tf.getKernel('Concat', 'wasm');
  // Concat along an inner axis copies one short run per outer index; a typed-array view per run
  // (subarray) costs more than copying a few dozen floats, so short runs are copied by a loop.
  const concat: KernelFunc = (args) => {
    const inputs = (args.inputs as unknown as TensorInfo[]).filter((t) => t.shape.reduce((a, b) => a * b, 1) > 0);
    if (!originalConcat || inputs.length < 2 || inputs[0]!.dtype === 'string') return originalConcat!.kernelFunc(args);
    const axis = tf.util.parseAxisParam((args.attrs as { axis: number | number[] }).axis, inputs[0]!.shape)[0] ?? 0;
    const outShape = tf.backend_util.computeOutShape(inputs.map((t) => t.shape), axis);
    const backend = args.backend as unknown as WasmBackendLike;
    const out = backend.makeOutput(outShape, inputs[0]!.dtype);
    const outer = inputs[0]!.shape.slice(0, axis).reduce((a, b) => a * b, 1);
    const inner = inputs.map((t) => t.shape.slice(axis).reduce((a, b) => a * b, 1));
    const rowOut = inner.reduce((a, b) => a + b, 0);
    const ins = inputs.map((t) => backend.typedArrayFromHeap(t));
    const ov = backend.typedArrayFromHeap(out);
    let offset = 0;
    for (let i = 0; i < ins.length; i++) {
      const src = ins[i]!;
      const n = inner[i]!;
      if (n >= 64 || outer === 1) {
        for (let b = 0; b < outer; b++) ov.set(src.subarray(b * n, b * n + n), b * rowOut + offset);
      } else {
        for (let b = 0; b < outer; b++) {
          const so = b * n;
          const oo = b * rowOut + offset;
          for (let k = 0; k < n; k++) ov[oo + k] = src[so + k]!;
        }
      }
      offset += n;
    }
    return out;
  };

  const configs: KernelConfig[] = [
    { kernelName: 'Concat', backendName: 'wasm', kernelFunc: concat },
    { kernelName: 'Slice', backendName: 'wasm', kernelFunc: slice },
    { kernelName: 'Unpack', backendName: 'wasm', kernelFunc: unpack },
    { kernelName: 'SplitV', backendName: 'wasm', kernelFunc: splitV },
  ];
  for (const c of configs) {
    if (tf.getKernel(c.kernelName, 'wasm')) tf.unregisterKernel(c.kernelName, 'wasm');
    tf.registerKernel(c);
    replaced.push(c.kernelName);
  }
  return replaced;
}
