#!/usr/bin/env python3
"""Webhook counters in txscreen's stats or summary JSON, for webhook_appliance.sh.

find(doc, name): the counters object of webhook `name` -- a dict holding
"queue_backlog", either under the key `name` or listed with "name": name -- wherever
it sits in the document (the metric catalog decides the layout).

As a command: webhook_counters.py STATS.json NAME... prints "<enqueued> <backlog>",
summed over the named webhooks ("- -" when one is missing), for a caller that waits
until the queues are empty and nothing new is enqueued.
"""
import json
import sys


def find(node, name):
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(value, dict) and 'queue_backlog' in value and (key == name or value.get('name') == name):
                return value
            found = find(value, name)
            if found is not None:
                return found
    elif isinstance(node, list):
        for value in node:
            found = find(value, name)
            if found is not None:
                return found
    return None


def main():
    doc = json.load(open(sys.argv[1]))
    hooks = [find(doc, name) for name in sys.argv[2:]]
    if any(h is None for h in hooks):
        print('- -')
    else:
        print(sum(h['enqueued'] for h in hooks), sum(h['queue_backlog'] for h in hooks))
    return 0


if __name__ == '__main__':
    sys.exit(main())
