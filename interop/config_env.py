"""Configuration helper for pyroxene's config tests: what Pyro5's Configuration makes of an
environment.

Reads frames from stdin (1 tag byte, u32 big-endian length, payload) and answers one frame each:
- 'V' + "NAME\\0VALUE\\0NAME\\0VALUE...": replaces every PYRO_* variable of os.environ by the given
  ones (in that order), builds Configuration() and answers 'O' + the item lines of its dump()
  ("NAME = value", sorted, joined by newlines), or 'E' + "ExceptionClass: message".
- 'D': the same lines for the defaults, Configuration.reset(use_environment=False).
- 'N': the item names in declaration order (__slots__), one a line.
EOF ends the script.
"""
import os

from harness import serve_frames, text

from Pyro5.configure import Configuration  # noqa: E402


def item_lines(config):
    # dump() = 5 header lines, then the items.
    return "\n".join(config.dump().split("\n")[5:])


def answer(tag, payload):
    if tag == b"N":
        return b"O", "\n".join(Configuration.__slots__)
    if tag == b"D":
        config = Configuration()
        config.reset(use_environment=False)
        return b"O", item_lines(config)
    if tag == b"V":
        for name in [n for n in os.environ if n.startswith("PYRO_")]:
            del os.environ[name]
        parts = payload.decode("utf-8").split("\0") if payload else []
        for name, value in zip(parts[0::2], parts[1::2]):
            os.environ[name] = value
        return b"O", item_lines(Configuration())
    raise ValueError("unknown request tag")


def main():
    def handle(tag, payload):
        answer_tag, answer_text = answer(tag, payload)
        return [(answer_tag, text(answer_text))]

    serve_frames(handle)


if __name__ == "__main__":
    main()
