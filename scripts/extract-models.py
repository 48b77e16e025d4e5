#!/usr/bin/env python3
"""Copies the botocore service models of STS and IAM into models/, without documentation.

The server validates input and renders output from these shapes, so they are the API's single source of truth.
Run again after a botocore upgrade: python3 scripts/extract-models.py
"""
import gzip, json, os
import botocore

KEEP = {'type', 'members', 'required', 'member', 'key', 'value', 'min', 'max', 'pattern', 'enum', 'box',
        'locationName', 'flattened', 'shape', 'sensitive', 'error', 'exception', 'resultWrapper', 'input', 'output',
        'errors', 'name', 'code', 'httpStatusCode', 'senderFault', 'authtype', 'auth', 'timestampFormat', 'deprecated'}

def strip(node):
    """Keeps the keys that shape the wire format; a shape's member names are data, not keys to filter."""
    if isinstance(node, list):
        return [strip(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for k, v in node.items():
        if k == 'members':
            out[k] = {name: strip(spec) for name, spec in v.items()}
        elif k in KEEP:
            out[k] = strip(v)
    return out

def main():
    base = os.path.join(os.path.dirname(botocore.__file__), 'data')
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'models')
    for service, version in (('sts', '2011-06-15'), ('iam', '2010-05-08')):
        with gzip.open(os.path.join(base, service, version, 'service-2.json.gz')) as f:
            model = json.load(f)
        slim = {
            'metadata': {k: model['metadata'][k] for k in ('apiVersion', 'endpointPrefix', 'xmlNamespace', 'protocol')},
            'operations': {name: strip(op) for name, op in model['operations'].items()},
            'shapes': {name: strip(shape) for name, shape in model['shapes'].items()},
        }
        with open(os.path.join(out, f'{service}.json'), 'w') as f:
            json.dump(slim, f, separators=(',', ':'))
            f.write('\n')
        print(service, botocore.__version__, len(slim['operations']), 'operations')

if __name__ == '__main__':
    main()
