// export-onnx.js: runs an exported ONNX model with ONNX Runtime, for
// test-export.
//
// node export-onnx.js ORT_MODULE MODEL INPUT N SIZE OUTPUT
// runs MODEL (with onnxruntime-node from the folder ORT_MODULE) on the
// N x 3 x SIZE x SIZE float32 images in INPUT, writes score, fused, local and
// global maps to OUTPUT (float32, in that order) and prints their shapes and
// what a wrongly sized input gives as JSON.
'use strict';

const fs = require('fs');

const OUTPUTS = ['score', 'fused_map', 'local_map', 'global_map'];

async function main () {
  const [ortModule, model, input, n, size, output] = process.argv.slice(2);
  const ort = require(ortModule);
  const session = await ort.InferenceSession.create(model);
  const bytes = fs.readFileSync(input);
  const images = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
  const results = await session.run({ image: new ort.Tensor('float32', images, [+n, 3, +size, +size]) });
  const parts = OUTPUTS.map((name) => {
    const data = results[name].data;
    return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  });
  fs.writeFileSync(output, Buffer.concat(parts));

  let wrongSizeError = null;
  try {
    const half = Math.floor(size / 2);
    await session.run({ image: new ort.Tensor('float32', new Float32Array(3 * half * half), [1, 3, half, half]) });
  } catch (error) {
    wrongSizeError = error.message.split('\n')[0];
  }
  console.log(JSON.stringify({
    inputs: session.inputNames,
    outputs: session.outputNames,
    shapes: OUTPUTS.map((name) => results[name].dims),
    wrong_size_error: wrongSizeError
  }));
}

main().catch((error) => {
  console.error(`export-onnx.js: ${error.message}`);
  process.exit(1);
});
