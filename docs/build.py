"""Build the docs site offline and check it.

Quarto (which `nbdev-docs` needs) cannot be installed everywhere, so the site is built from the notebooks as
`nbdev-proc-nbs` processes them (with every exported symbol's `show_doc` rendered) by a real static site
generator: mkdocs-material with mkdocs-jupyter. One page per notebook: the home page from index.ipynb, one page
per module, one per training example; navigation and search come with the theme. The notebooks' stored
outputs (pictures of batches, predictions, loss curves) are shown as committed.

Steps: `nbdev-proc-nbs` -> `_proc/`; staging in `_docs_build/src/` (notebook front matter turned into a title,
cell metadata emptied, `#|` directives removed, show_doc inputs hidden, links to the nbdev doc host made relative);
`mkdocs build` with docs/mkdocs.yml plus the generated navigation -> `_site/`; then the checks: every page exists,
every internal link and anchor resolves, every image exists, and every module page documents every name the
module exports.

Tables read from run artifacts (cells marked `#| echo: false` that read `results/`) are shown, in the site and the
README, as their stored outputs: the build runs each such cell again (the notebook's `#| hide` setup cell, then the
cell, in the notebook's folder) and fails if what it shows now differs from what is stored, so a table cannot go
stale after a new run; `--refresh-tables` stores the fresh outputs (then run `python docs/make_readme.py`).

Usage: python docs/build.py [--skip-proc] [--check-only] [--refresh-tables] [--serve]
"""
import argparse, copy, json, os, re, shutil, subprocess, sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote
import yaml

ROOT = Path(__file__).resolve().parents[1]
PROC, BUILD, SITE = ROOT/'_proc', ROOT/'_docs_build', ROOT/'_site'
SRC = BUILD/'src'

def _cfg():
    "The [tool.nbdev] settings and doc host of the project"
    try: import tomllib
    except ImportError: import tomli as tomllib
    d = tomllib.loads((ROOT/'pyproject.toml').read_text())
    return d['tool']['nbdev'], d['project']['urls'].get('Documentation', '').rstrip('/')

def page_path(rel:Path) -> Path:
    "Site source path of a notebook: the numeric prefix dropped, as nbdev names its pages"
    return rel.with_name(re.sub(r'^\d+[a-zA-Z0-9]*_', '', rel.name.lower()))

def page_url(rel:Path) -> str:
    "URL (relative to the site root) of the page built from notebook `rel` (a `page_path`)"
    stem = rel.with_suffix('').as_posix()
    return '' if stem == 'index' else stem + '/'

_ECHO_FALSE, _HIDE = re.compile(r'^\s*#\s*\|\s*echo:\s*false', re.M), re.compile(r'^\s*#\s*\|\s*hide\b', re.M)
_PREAMBLE = "import json\nfrom pathlib import Path\nfrom IPython.display import Markdown\nfrom fastai.vision.all import *\nfrom moving_mnist.all import *\n"

def _src(c) -> str: return ''.join(c['source']) if isinstance(c['source'], list) else c['source']

# --------------------------------------------------------------------------- staging
def _frontmatter(nb):
    "Title and description from the raw front-matter cell that nbdev-proc-nbs adds (removed from `nb`)"
    if nb['cells'] and nb['cells'][0]['cell_type'] == 'raw':
        src = ''.join(nb['cells'][0]['source'])
        m = re.match(r'\s*---\n(.*?)\n---', src, re.S)
        if m:
            nb['cells'].pop(0)
            fm = yaml.safe_load(m.group(1)) or {}
            return fm.get('title'), fm.get('description')
    return None, None

def slug(text:str) -> str:
    "The heading id nbconvert gives `text` (lower case, punctuation dropped, spaces to dashes)"
    return re.sub(r'\s+', '-', re.sub(r'[^a-z0-9_\s-]', '', text.lower().strip()))

def _relinker(doc_host:str, depth:int):
    "Rewrite links to the nbdev doc host (`<host>/<page>.html#anchor`) as links relative to the current page"
    pat = re.compile(re.escape(doc_host) + r'/([\w./-]+?)\.html(?:#([\w.-]*))?')
    def sub(m):
        target = m.group(1)
        url = '' if target == 'index' else target + '/'
        return '../' * depth + url + (f"#{slug(m.group(2))}" if m.group(2) else '')
    return lambda s: pat.sub(sub, s) if doc_host else s

def _no_quarto_attrs(md:str) -> str:
    "Drop Quarto link attributes (`[source](url){target=...}`), which other renderers print as text"
    return re.sub(r'\)\{target="_blank"[^}]*\}', ')', md)

def _plain_headings(md:str) -> str:
    "Headings without code spans, so that the theme's table of contents and nbconvert agree on their ids"
    return re.sub(r'^(#{1,6} .*)$', lambda m: m.group(1).replace('`', ''), md, flags=re.M)

def stage_notebook(src:Path, dst_rel:Path, doc_host:str) -> str:
    "Write the processed notebook `src` as site source `dst_rel`; return its title"
    nb = json.loads(src.read_text())
    title, desc = _frontmatter(nb)
    depth = page_url(dst_rel).count('/')
    relink = _relinker(doc_host, depth)
    cells = []
    if title: cells.append(dict(cell_type='markdown', metadata={}, source=_plain_headings(f"# {title}") + "\n\n" + (f"> {desc}\n" if desc else '')))
    for c in nb['cells']:
        src_txt = _src(c)
        c['metadata'] = {}
        if c['cell_type'] == 'markdown': c['source'] = _plain_headings(relink(src_txt))
        elif c['cell_type'] == 'code':
            if _ECHO_FALSE.search(src_txt): c['metadata'] = {'tags': ['hide_input']}   # output only
            keep = lambda l: not re.match(r'\s*#\s*\|', l) or re.match(r'\s*#\s*\|\s*(slow|cuda)\s*$', l)   # show the run tags
            c['source'] = '\n'.join(l for l in src_txt.split('\n') if keep(l)).strip('\n')
            c['execution_count'] = None
            for o in c.get('outputs', []):
                o['metadata'] = {}
                if 'execution_count' in o: o['execution_count'] = None
                for k, v in o.get('data', {}).items():
                    if k in ('text/markdown', 'text/html'): o['data'][k] = _no_quarto_attrs(_plain_headings(relink(''.join(v) if isinstance(v, list) else v)))
            if not c['source'] and not c.get('outputs'): continue
        elif c['cell_type'] == 'raw': continue
        cells.append(c)
    nb['cells'] = cells
    nb['metadata'] = {'kernelspec': {'display_name': 'Python 3', 'language': 'python', 'name': 'python3'},
                      'language_info': {'name': 'python'}}
    dst = SRC/dst_rel
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.write_text(json.dumps(nb, indent=1))
    return title or dst_rel.stem

def stage():
    "Stage every processed notebook; return the nav entries `(section, title, path)`"
    cfg, doc_host = _cfg()
    if SRC.exists(): shutil.rmtree(SRC)
    SRC.mkdir(parents=True)
    nbs = sorted(p.relative_to(PROC) for p in PROC.rglob('*.ipynb') if not any(part.startswith(('_', '.')) for part in p.relative_to(PROC).parts))
    if not nbs: sys.exit(f"no processed notebooks in {PROC}: run nbdev-proc-nbs first")
    nav = []
    for rel in nbs:
        dst = page_path(rel)
        title = stage_notebook(PROC/rel, dst, doc_host)
        section = 'Home' if dst.name == 'index.ipynb' and dst.parent == Path('.') else 'Examples' if rel.parts[0] == 'examples' else 'API'
        nav.append((section, title, dst))
    shutil.copy(ROOT/'docs'/'extra.css', SRC/'extra.css')
    if (ROOT/'docs'/'images').exists(): shutil.copytree(ROOT/'docs'/'images', SRC/'docs'/'images')   # README images, same paths
    if (ROOT/'results').exists():                                    # run artifacts the README and pages show (GIFs, pictures)
        shutil.copytree(ROOT/'results', SRC/'results', ignore=lambda d, fs: [f for f in fs if f.endswith(('.pkl', '.pth', '.pt'))])
    return nav

def write_config(nav) -> Path:
    conf = yaml.safe_load((ROOT/'docs'/'mkdocs.yml').read_text())
    conf['docs_dir'], conf['site_dir'] = str(SRC), str(SITE)
    home = [p.as_posix() for s, t, p in nav if s == 'Home']
    conf['nav'] = ([{'Home': home[0]}] if home else []) + [
        {sec: [{t: p.as_posix()} for s, t, p in nav if s == sec]} for sec in ('API', 'Examples') if any(s == sec for s, _, _ in nav)]
    fn = BUILD/'mkdocs.yml'
    fn.write_text(yaml.safe_dump(conf, sort_keys=False))
    return fn

# --------------------------------------------------------------------------- tables read from run artifacts
def artifact_cells(nb:dict) -> list:
    "The cells of `nb` that show only their output and read a run artifact under results/"
    return [c for c in nb['cells'] if c['cell_type'] == 'code' and _ECHO_FALSE.search(_src(c)) and re.search(r'results', _src(c), re.I)]

def fresh_table(nb:dict, cell:dict, folder:Path) -> str:
    "The Markdown `cell` shows from the artifacts as they are now: the notebook's setup cell and `cell`, run in `folder`"
    code = [c for c in nb['cells'] if c['cell_type'] == 'code']
    setup = _src(code[0]) if code and _HIDE.search(_src(code[0])) else ''
    *body, last = _src(cell).rstrip().split('\n')
    ns, cwd = {}, Path.cwd()
    os.chdir(folder)
    try:
        exec(_PREAMBLE + setup, ns); exec('\n'.join(body), ns)
        return eval(last, ns).data
    finally: os.chdir(cwd)

def stored_table(cell:dict) -> str|None:
    "The Markdown output stored with `cell`, if any"
    for o in cell.get('outputs', []):
        md = o.get('data', {}).get('text/markdown')
        if md is not None: return ''.join(md)
    return None

def artifact_tables(refresh:bool=False) -> list:
    "Problems: the artifact tables whose stored output is not what the artifacts show now (with `refresh`, store it instead)"
    problems, n = [], 0
    for fn in sorted((ROOT/'nbs').rglob('*.ipynb')):
        if any(part.startswith(('_', '.')) for part in fn.relative_to(ROOT/'nbs').parts): continue
        nb = json.loads(fn.read_text())
        cells, changed = artifact_cells(nb), False
        for c in cells:
            n += 1
            md = fresh_table(nb, c, fn.parent)
            if (stored_table(c) or '').rstrip() == md.rstrip(): continue
            if not refresh:
                problems.append(f"{fn.relative_to(ROOT)}: the table of cell {c['id']} is not what the artifacts now say: "
                                f"run python docs/build.py --refresh-tables, then python docs/make_readme.py"); continue
            c['outputs'] = [{'data': {'text/markdown': md.splitlines(keepends=True), 'text/plain': ['<IPython.core.display.Markdown object>']},
                             'execution_count': None, 'metadata': {}, 'output_type': 'execute_result'}]
            changed = True
        if changed:
            fn.write_text(json.dumps(nb, indent=1, ensure_ascii=False, sort_keys=True) + '\n')
            print(f"refreshed the artifact tables of {fn.relative_to(ROOT)}")
    print(f"checked {n} tables read from run artifacts")
    return problems

# --------------------------------------------------------------------------- checks
class _Links(HTMLParser):
    def __init__(self):
        super().__init__(); self.refs, self.ids, self.imgs = [], set(), []
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get('id'): self.ids.add(a['id'])
        if tag == 'a' and a.get('name'): self.ids.add(a['name'])
        for k in ('href', 'src'):
            if a.get(k): self.refs.append((tag, a[k]))
        if tag == 'img' and a.get('src'): self.imgs.append(a['src'])

def _parse(fn:Path) -> _Links:
    p = _Links(); p.feed(fn.read_text(errors='replace')); return p

def check(nav) -> list:
    "Problems with the built site: missing pages, broken internal links or anchors, missing images, undocumented names"
    problems, parsed = [], {}
    pages = [SITE/page_url(p)/'index.html' for _, _, p in nav]
    for pg in pages:
        if not pg.exists(): problems.append(f"missing page {pg.relative_to(SITE)}")
    htmls = sorted(SITE.rglob('*.html'))
    for fn in htmls: parsed[fn] = _parse(fn)
    n_links = n_imgs = 0
    for fn, p in parsed.items():
        for tag, ref in p.refs:
            if re.match(r'^(https?:|mailto:|data:|javascript:|//)', ref): continue
            n_links += 1
            path, _, frag = ref.partition('#')
            base = SITE if path.startswith('/') else fn.parent                 # site-absolute links (the 404 page)
            target = fn if not path else (base/unquote(path.split('?')[0]).lstrip('/')).resolve()
            if target.is_dir() or path.endswith('/'): target = target/'index.html'
            if not target.exists(): problems.append(f"{fn.relative_to(SITE)}: broken link {ref}"); continue
            if frag and target.suffix == '.html':
                ids = parsed.get(target) or _parse(target)
                if frag not in ids.ids: problems.append(f"{fn.relative_to(SITE)}: missing anchor {ref}")
        for src in p.imgs:
            n_imgs += 1
            if src.startswith('data:image/'): continue
            if re.match(r'^(https?:)', src): problems.append(f"{fn.relative_to(SITE)}: remote image {src}"); continue
            if not (fn.parent/unquote(src)).resolve().exists(): problems.append(f"{fn.relative_to(SITE)}: missing image {src}")
    # every exported name of every module is documented on its page
    sys.path.insert(0, str(ROOT))
    import importlib
    for _, _, p in nav:
        stem = p.with_suffix('').as_posix()
        if '/' in stem or stem == 'index': continue
        mod = importlib.import_module(f"moving_mnist.{stem}")
        ids = parsed.get(SITE/page_url(p)/'index.html')
        if ids is None: continue
        text = (SITE/page_url(p)/'index.html').read_text()
        own = [n for n in getattr(mod, '__all__', []) if callable(getattr(mod, n, None))
               and getattr(getattr(mod, n), '__module__', None) == mod.__name__]     # functions and classes defined there
        missing = [n for n in own if slug(n) not in ids.ids]
        if missing: problems.append(f"{stem}: no documentation for {missing}")
    print(f"checked {len(pages)} pages, {len(htmls)} html files, {n_links} internal links, {n_imgs} images")
    return problems

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--skip-proc', action='store_true', help="reuse _proc/ instead of running nbdev-proc-nbs")
    ap.add_argument('--check-only', action='store_true', help="only check an already built site")
    ap.add_argument('--refresh-tables', action='store_true', help="store the fresh outputs of the tables read from run artifacts")
    ap.add_argument('--serve', action='store_true', help="serve the built site on http://127.0.0.1:8000")
    a = ap.parse_args()
    stale = artifact_tables(refresh=a.refresh_tables)
    if not a.check_only:
        if not a.skip_proc: subprocess.run(['nbdev-proc-nbs'], cwd=ROOT, check=True)
        nav = stage()
        conf = write_config(nav)
        subprocess.run([sys.executable, '-m', 'mkdocs', 'build', '-q', '-f', str(conf)], cwd=ROOT, check=True)
    else: nav = [(None, None, page_path(p.relative_to(SRC))) for p in SRC.rglob('*.ipynb')]
    problems = stale + check(nav)
    for pr in problems: print('PROBLEM:', pr)
    print(f"site in {SITE.relative_to(ROOT)}: {'OK' if not problems else f'{len(problems)} problem(s)'}")
    if a.serve: subprocess.run([sys.executable, '-m', 'http.server', '8000', '-d', str(SITE)])
    sys.exit(1 if problems else 0)

if __name__ == '__main__': main()
