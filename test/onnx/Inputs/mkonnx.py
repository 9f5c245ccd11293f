#!/usr/bin/env python3
"""Writes a tiny ONNX model for the frontend's tests, without the onnx
package: y = OP(x, w) with x: float[2] (or float[N] with --dyn) and an
initializer w = [1, 2], stored raw or as external data.

usage: mkonnx.py OUT.onnx [--op Add] [--dyn] [--external LOCATION [--write-data]]
"""
import struct
import sys


def varint(n):
    out = b""
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out += bytes([b | 0x80])
        else:
            return out + bytes([b])


def field(num, wire, payload):
    key = varint((num << 3) | wire)
    if wire == 0:
        return key + varint(payload)
    data = payload.encode() if isinstance(payload, str) else payload
    return key + varint(len(data)) + data


def value_info(name, dim):
    d = field(2, 2, dim) if isinstance(dim, str) else field(1, 0, dim)
    shape = field(1, 2, d)
    tensor = field(1, 0, 1) + field(2, 2, shape)
    return field(1, 2, name) + field(2, 2, field(1, 2, tensor))


def main(argv):
    out = argv[1]
    op = argv[argv.index("--op") + 1] if "--op" in argv else "Add"
    dim = "N" if "--dyn" in argv else 2
    data = struct.pack("<2f", 1.0, 2.0)
    w = field(1, 0, 2) + field(2, 0, 1) + field(8, 2, "w")
    if "--external" in argv:
        loc = argv[argv.index("--external") + 1]
        w += field(13, 2, field(1, 2, "location") + field(2, 2, loc))
        w += field(13, 2, field(1, 2, "length") + field(2, 2, "8"))
        w += field(14, 0, 1)
        if "--write-data" in argv:
            with open(out.rsplit("/", 1)[0] + "/" + loc, "wb") as f:
                f.write(data)
    else:
        w += field(9, 2, data)
    node = field(1, 2, "x") + field(1, 2, "w") + field(2, 2, "y") + field(3, 2, "my_node") + field(4, 2, op)
    graph = field(1, 2, node) + field(2, 2, "g") + field(5, 2, w)
    graph += field(11, 2, value_info("x", dim)) + field(12, 2, value_info("y", 2))
    model = field(1, 0, 8) + field(8, 2, field(1, 2, "") + field(2, 0, 13)) + field(7, 2, graph)
    with open(out, "wb") as f:
        f.write(model)


if __name__ == "__main__":
    main(sys.argv)
