"""Write README.md from nbs/index.ipynb without Quarto (which `nbdev-readme` needs).

Hidden cells (`#| hide`) are dropped, cells marked `#| echo: false` keep only their outputs (tables read from
run artifacts), cell directives are removed, and output images are written to
docs/images/ so that they resolve on GitHub and in the repository. `--check` fails if README.md or its
images are out of date.

Usage: python docs/make_readme.py [--check]
"""
import argparse, base64, re, sys
from pathlib import Path
import nbformat

ROOT = Path(__file__).resolve().parents[1]
IMG_DIR = ROOT/'docs'/'images'
_directive = re.compile(r'^\s*#\s*\|.*$\n?', re.MULTILINE)

def _hidden(cell): return cell.cell_type == 'code' and re.search(r'^\s*#\s*\|\s*hide\b', cell.source, re.MULTILINE)

def render_readme(nb_path=ROOT/'nbs'/'index.ipynb'):
    "The README text and its images `{relative path: bytes}`"
    nb = nbformat.read(nb_path, as_version=4)
    parts, images, n_img = [], {}, 0
    for cell in nb.cells:
        if _hidden(cell): continue
        if cell.cell_type == 'markdown':
            parts.append(cell.source.strip()); continue
        if cell.cell_type != 'code': continue
        src = _directive.sub('', cell.source).strip()
        echo = not re.search(r'^\s*#\s*\|\s*echo:\s*false', cell.source, re.MULTILINE)
        if src and echo: parts.append(f"```python\n{src}\n```")
        for out in cell.get('outputs', []):
            data = out.get('data', {})
            if 'image/png' in data:
                n_img += 1
                rel = f"docs/images/index_{n_img}.png"
                images[rel] = base64.b64decode(data['image/png'])
                parts.append(f"![]({rel})")
            elif out.get('output_type') == 'stream':
                parts.append("```\n" + ''.join(out['text']).rstrip() + "\n```")
            elif 'text/markdown' in data: parts.append(''.join(data['text/markdown']).strip())
            elif 'text/plain' in data: parts.append("```\n" + ''.join(data['text/plain']).rstrip() + "\n```")
    text = "<!-- Generated from nbs/index.ipynb by docs/make_readme.py: do not edit -->\n\n" + "\n\n".join(parts) + "\n"
    return text, images

def main(check=False):
    text, images = render_readme()
    readme = ROOT/'README.md'
    stale = [p for p, b in images.items() if not (ROOT/p).exists() or (ROOT/p).read_bytes() != b]
    if not readme.exists() or readme.read_text() != text: stale.append('README.md')
    if check:
        if stale: sys.exit(f"README out of date ({', '.join(stale)}): run python docs/make_readme.py")
        print("README.md is up to date"); return
    IMG_DIR.mkdir(parents=True, exist_ok=True)
    for old in IMG_DIR.glob('index_*.png'):
        if f"docs/images/{old.name}" not in images: old.unlink()
    for p, b in images.items(): (ROOT/p).write_bytes(b)
    readme.write_text(text)
    print(f"wrote README.md and {len(images)} image(s)")

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--check', action='store_true', help='fail if README.md is out of date')
    main(ap.parse_args().check)
