"""Differential test of irbond's TOML parser against Python's tomllib (the standard library's
TOML 1.0 parser, a port of the well-kept `tomli`). Called by tools/toml-diff.

For every file: both parsers must agree on accept/reject, and on accepted files the decoded
documents must be equal (numbers by value, date-times as instants/ISO text)."""
import datetime, json, math, random, subprocess, sys, tomllib

def plain(tagged):
    """toml-test tagged JSON -> Python values comparable with tomllib's."""
    if isinstance(tagged, list):
        return [plain(v) for v in tagged]
    if set(tagged.keys()) == {"type", "value"} and isinstance(tagged["value"], str):
        t, v = tagged["type"], tagged["value"]
        if t == "string": return v
        if t == "integer": return int(v)
        if t == "bool": return v == "true"
        if t == "float":
            return float(v.replace("inf", "Infinity").replace("+", "")) if "inf" in v or "nan" in v else float(v)
        if t == "datetime": return datetime.datetime.fromisoformat(v.replace("Z", "+00:00"))
        if t == "datetime-local": return datetime.datetime.fromisoformat(v)
        if t == "date-local": return datetime.date.fromisoformat(v)
        if t == "time-local": return datetime.time.fromisoformat(v)
    return {k: plain(v) for k, v in tagged.items()}

def same(a, b):
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return type(a) == type(b) and a == b

def random_value(rng, depth):
    """A random TOML value in one of the spellings a hand-written board or recipe might use."""
    kind = rng.randrange(9 if depth < 2 else 7)
    if kind == 0: return str(rng.randint(-10**6, 10**6))
    if kind == 1: return rng.choice([hex(rng.randrange(256)), oct(rng.randrange(64)), bin(rng.randrange(16)), "+17", "1_000"])
    if kind == 2:  # floats: plain, exponent (both signs, both cases), underscores
        mantissa = f"{rng.randint(0, 999)}.{rng.randint(0, 999):03d}"
        return rng.choice([mantissa, f"{mantissa}e-{rng.randint(1, 12)}", f"{mantissa}E+{rng.randint(1, 9)}",
                           f"{rng.randint(1, 9)}e-{rng.randint(1, 9)}", f"{rng.randint(0, 9)}.{rng.randint(0, 9)}e-{rng.randint(1, 9)}", f"-{mantissa}e{rng.randint(0, 5)}", "1_000.5", "inf", "-nan"])
    if kind == 3: return rng.choice(["true", "false"])
    if kind == 4: return json.dumps("".join(rng.choice("ab ç\"\\\t#=[]{}") for _ in range(rng.randint(0, 8))), ensure_ascii=rng.random() < 0.5)
    if kind == 5: return "'" + "".join(rng.choice("ab #=\\\"") for _ in range(rng.randint(0, 8))) + "'"
    if kind == 6: return rng.choice(["1979-05-27", "07:32:00.5", "1979-05-27T07:32:00Z", "1979-05-27 07:32:00-07:00", "1979-05-27T00:32:00.999999"])
    if kind == 7: return "[" + ", ".join(random_value(rng, depth + 1) for _ in range(rng.randint(0, 4))) + "]"
    return "{" + ", ".join(f"k{i} = {random_value(rng, depth + 1)}" for i in range(rng.randint(0, 3))) + "}"

def random_document(rng):
    lines = []
    for t in range(rng.randint(1, 3)):
        if t: lines.append(f"[table{t}]" if rng.random() < 0.7 else f"[[array{t}]]")
        for i in range(rng.randint(1, 6)):
            key = rng.choice([f"key_{i}", f'"quoted {i}"', f"a.b{i}", f"x{i}-y"])
            comment = rng.choice(["", "  # comment", "\t# a = 1"])
            lines.append(f"{key} = {random_value(rng, 0)}{comment}")
    return ("\n".join(lines) + "\n").encode()

def main(binary, files, generated=300, seed=1):
    agree = disagree = 0
    rng = random.Random(seed)
    documents = [(path, open(path, "rb").read()) for path in files]
    documents += [(f"generated #{i} (seed {seed})", random_document(rng)) for i in range(generated)]
    for path, data in documents:
        try:
            # utf-8-sig: TOML allows a byte-order mark; tomllib leaves decoding to its caller.
            expected, reference_ok = tomllib.loads(data.decode("utf-8-sig")), True
        except (tomllib.TOMLDecodeError, UnicodeDecodeError, ValueError):
            expected, reference_ok = None, False
        run = subprocess.run([binary, "toml-decode"], input=data, capture_output=True)
        ours_ok = run.returncode == 0
        if ours_ok != reference_ok:
            disagree += 1
            print(f"DIFF {path}: tomllib {'accepts' if reference_ok else 'rejects'}, irbond "
                  f"{'accepts' if ours_ok else 'rejects: ' + run.stderr.decode().strip()}")
            if path.startswith("generated"): print(data.decode())
            continue
        if ours_ok:
            try:
                ours = plain(json.loads(run.stdout))
            except ValueError as error:  # e.g. a date-time Python cannot represent
                ours = error
            if not same(ours, expected):
                disagree += 1
                print(f"DIFF {path}: decoded documents differ")
                if path.startswith("generated"): print(data.decode())
                continue
        agree += 1
    # The toml-test figures through the decoder interface: valid files against their expected
    # tagged JSON, invalid files rejected.
    valid_ok = valid_total = invalid_ok = invalid_total = 0
    for path in files:
        if "/tests/valid/" in path:
            expected_path = path[:-5] + ".json"
            try:
                expected = plain(json.load(open(expected_path)))
            except (OSError, ValueError):
                continue
            valid_total += 1
            run = subprocess.run([binary, "toml-decode"], input=open(path, "rb").read(), capture_output=True)
            try:
                valid_ok += run.returncode == 0 and same(plain(json.loads(run.stdout)), expected)
            except ValueError:
                pass
        elif "/tests/invalid/" in path:
            invalid_total += 1
            run = subprocess.run([binary, "toml-decode"], input=open(path, "rb").read(), capture_output=True)
            invalid_ok += run.returncode == 1
    if valid_total + invalid_total:
        print(f"toml-test via irbond toml-decode: {valid_ok}/{valid_total} valid files decode to their expected JSON, "
              f"{invalid_ok}/{invalid_total} invalid files rejected (exit 1)")
        if valid_ok != valid_total or invalid_ok != invalid_total: disagree += 1
    print(f"toml-diff: {agree} of {len(documents)} documents agree ({len(files)} files, {generated} generated), {disagree} differ (irbond vs Python {sys.version.split()[0]} tomllib)")
    return 1 if disagree else 0

if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2:]))
