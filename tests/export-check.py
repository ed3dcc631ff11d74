#!/usr/bin/python3
"""export-check.py: the exported files as Python sees them, for test-export.

export-check.py torchscript MODEL INPUT N SIZE OUTPUT
    Loads MODEL with torch.jit.load, runs it on the N x 3 x SIZE x SIZE
    float32 images in INPUT, writes score, fused, local and global maps to
    OUTPUT (float32, in that order) and prints the module's attributes as
    JSON.
export-check.py onnx MODEL
    Runs the ONNX checker with full shape inference and prints the opset,
    the inputs, outputs and metadata_props as JSON.

Needs Debian's python3-torch and python3-onnx (/usr/bin/python3).
"""

import json
import sys

import numpy


def torchscript(model, input_path, n, size, output_path):
    import torch

    module = torch.jit.load(model)
    images = numpy.fromfile(input_path, dtype=numpy.float32).reshape(n, 3, size, size)
    with torch.no_grad():
        outputs = module(torch.from_numpy(images))
        try:
            module(torch.zeros(1, 3, size // 2, size // 2))
            wrong_size_message = None
        except torch.jit.Error as error:
            # The last line of the TorchScript traceback is the message.
            wrong_size_message = str(error).strip().splitlines()[-1]
    flat = [output.numpy().astype(numpy.float32).ravel() for output in outputs]
    numpy.concatenate(flat).tofile(output_path)
    print(json.dumps({
        "shapes": [list(output.shape) for output in outputs],
        "model_size": module.model_size,
        "image_size": module.image_size,
        "quantile_st_start": module.quantile_st_start,
        "quantile_st_end": module.quantile_st_end,
        "quantile_ae_start": module.quantile_ae_start,
        "quantile_ae_end": module.quantile_ae_end,
        "threshold": module.threshold,
        "local_weight": module.local_weight,
        "provenance": dict(module.provenance),
        "teacher_mean": module.teacher_mean.tolist(),
        "training": module.training,
        "roi_source": module.roi_source,
        "wrong_size_message": wrong_size_message,
    }))


def onnx_check(model):
    import onnx

    onnx.checker.check_model(model, full_check=True)
    proto = onnx.load(model)
    print(json.dumps({
        "ir_version": proto.ir_version,
        "opset": {entry.domain: entry.version for entry in proto.opset_import},
        "inputs": [value.name for value in proto.graph.input],
        "outputs": [value.name for value in proto.graph.output],
        "metadata": {entry.key: entry.value for entry in proto.metadata_props},
        "constant_nodes": sum(node.op_type == "Constant" for node in proto.graph.node),
    }))


if __name__ == "__main__":
    if len(sys.argv) == 7 and sys.argv[1] == "torchscript":
        torchscript(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), sys.argv[6])
    elif len(sys.argv) == 3 and sys.argv[1] == "onnx":
        onnx_check(sys.argv[2])
    else:
        sys.exit(__doc__)
