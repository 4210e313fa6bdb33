#!/usr/bin/env python3
"""Splits the captured serializer vectors into one seed file per value for the fuzz targets:
fuzz/corpus/<serializer>_decode/<lib>-<name>. Usage: scripts/fuzz-seeds.py [VECTORS_DIR]"""
import json, os, sys

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
vectors = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "testdata", "vectors")
ser_dir = os.path.join(vectors, "serializers")
index = json.load(open(os.path.join(ser_dir, "index.json")))
count = 0
for entry in index["values"] + index["calls"]:
    for key, result in entry["results"].items():
        if "file" not in result:
            continue
        lib, ser = key.split("-")
        data = open(os.path.join(ser_dir, result["file"]), "rb").read()
        chunk = data[result["offset"]:result["offset"] + result["length"]]
        out = os.path.join(root, "fuzz", "corpus", ser + "_decode")
        os.makedirs(out, exist_ok=True)
        with open(os.path.join(out, "%s-%s" % (lib, entry["name"])), "wb") as f:
            f.write(chunk)
        count += 1
print(count, "seeds written")
