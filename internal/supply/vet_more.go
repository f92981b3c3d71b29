package supply

import (
	"archive/zip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"
	"golang.org/x/net/html"
)

// ParseVetTarget reads what `mcpwarden vet` is asked about:
// go:MODULE[@VERSION], pypi:NAME[==VERSION], or an npm package
// ([npm:]NAME[@VERSION]).
func ParseVetTarget(s string) (Spec, error) {
	switch {
	case strings.HasPrefix(s, "go:"):
		mod, version, _ := strings.Cut(strings.TrimPrefix(s, "go:"), "@")
		if err := module.CheckPath(mod); err != nil {
			return Spec{}, fmt.Errorf("go:%s: not a module path: %v", mod, err)
		}
		if version == "" {
			version = "latest"
		}
		if !goQuery.MatchString(version) {
			return Spec{}, fmt.Errorf("go:%s@%s: not a version or query", mod, version)
		}
		return Spec{Ecosystem: EcosystemGo, Name: mod, Version: version}, nil
	case strings.HasPrefix(s, "pypi:"):
		return ParsePySpec(strings.TrimPrefix(s, "pypi:"))
	}
	return ParseSpec(strings.TrimPrefix(s, "npm:"))
}

// VetGo reports what the module proxy can tell about a module version:
// the version's time, retraction and deprecation, its h1: sum, the
// go directive, the VCS origin when the proxy records it, and whether the
// module has a license file. A module proxy knows no publisher,
// maintainers, signatures or provenance.
func (c *Cache) VetGo(ctx context.Context, spec Spec, o VetOptions) (*Report, error) {
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	work, err := os.MkdirTemp("", "mcpwarden-vet-go-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(work)
	list := func(q string) (*goListModule, error) {
		out, err := c.run(ctx, work, c.goEnv(work), c.goCmd(), "list", "-m", "-retracted", "-json", spec.Name+"@"+q)
		if err != nil {
			return nil, err
		}
		var m goListModule
		if err := json.Unmarshal(out, &m); err != nil {
			return nil, fmt.Errorf("go list -m -json: %w", err)
		}
		if m.Error != nil {
			return nil, fmt.Errorf("%s@%s: %s", spec.Name, q, m.Error.Err)
		}
		return &m, nil
	}
	m, err := list(spec.Version)
	if err != nil {
		return nil, err
	}
	r := &Report{Ecosystem: EcosystemGo, Package: m.Path, Version: m.Version, Maintainers: []string{}, Signatures: []string{},
		RedFlags: []string{}, Notes: []string{}, Scorecard: o.Scorecard, GoVersion: m.GoVersion}
	if latest, err := list("latest"); err == nil {
		r.Latest = latest.Version
	}
	if m.Origin != nil {
		r.Repository, r.GitHead = m.Origin.URL, m.Origin.Hash
	}
	if m.Time != nil {
		t := *m.Time
		r.Published, r.Age = &t, humanAge(o.Now.Sub(t))
		if o.MinAge > 0 && o.Now.Sub(t) < o.MinAge {
			r.RedFlags = append(r.RedFlags, fmt.Sprintf("published %s ago, less than --min-age %s", r.Age, o.MinAge))
		}
	} else {
		r.Notes = append(r.Notes, "the proxy gives no time for this version")
	}
	if len(m.Retracted) > 0 {
		r.Retracted = strings.Join(m.Retracted, "; ")
		r.RedFlags = append(r.RedFlags, "retracted by its authors: "+r.Retracted)
	}
	if m.Deprecated != "" {
		r.Deprecated = m.Deprecated
		r.RedFlags = append(r.RedFlags, "deprecated: "+m.Deprecated)
	}
	out, err := c.run(ctx, work, c.goEnv(work), c.goCmd(), "mod", "download", "-json", m.Path+"@"+m.Version)
	if err != nil {
		return nil, err
	}
	var dl struct{ Sum, Zip, GoMod string }
	if err := json.Unmarshal(out, &dl); err != nil {
		return nil, fmt.Errorf("go mod download -json: %w", err)
	}
	r.Integrity = dl.Sum
	if lic, err := zipLicense(dl.Zip); err != nil {
		r.Notes = append(r.Notes, "the module zip cannot be read: "+err.Error())
	} else if lic == "" {
		r.Notes = append(r.Notes, "no LICENSE or COPYING file at the module root")
	} else {
		r.License = lic + " (file)"
	}
	if gm, err := os.ReadFile(dl.GoMod); err == nil {
		if f, err := modfile.ParseLax(dl.GoMod, gm, nil); err == nil {
			r.Dependencies = len(f.Require)
		}
	}
	if r.Latest != "" && r.Latest != r.Version {
		r.Notes = append(r.Notes, "a newer version is the proxy's latest: "+r.Latest)
	}
	r.Notes = append(r.Notes, "a module proxy names no publisher or maintainers and has no signatures or provenance; the h1: sum is what the checksum database (GOSUMDB) vouches for")
	if sc := o.Scorecard; sc != nil && o.MinScore > 0 && sc.Score >= 0 && sc.Score < o.MinScore {
		r.RedFlags = append(r.RedFlags, fmt.Sprintf("OpenSSF Scorecard %.1f, below --min-score %.1f", sc.Score, o.MinScore))
	}
	return r, nil
}

type goListModule struct {
	Path, Version, Deprecated, GoVersion string
	Time                                 *time.Time
	Retracted                            []string
	Origin                               *struct{ VCS, URL, Hash, Ref string }
	Error                                *struct{ Err string }
}

// zipLicense names a license file at the root of a module zip.
func zipLicense(zipPath string) (string, error) {
	zr, err := zip.OpenReader(zipPath)
	if err != nil {
		return "", err
	}
	defer zr.Close()
	for _, f := range zr.File {
		parts := strings.SplitN(f.Name, "/", 2)
		if len(parts) != 2 {
			continue
		}
		// The root is module@version/ (the path has slashes: the last @).
		i := strings.LastIndex(f.Name, "@")
		rest := f.Name[i+1:]
		j := strings.Index(rest, "/")
		if j < 0 || strings.Contains(rest[j+1:], "/") {
			continue
		}
		base := strings.ToUpper(rest[j+1:])
		if strings.HasPrefix(base, "LICENSE") || strings.HasPrefix(base, "LICENCE") || strings.HasPrefix(base, "COPYING") {
			return rest[j+1:], nil
		}
	}
	return "", nil
}

// PyIndexURL is the index pip uses: PIP_INDEX_URL of env (nil: this
// process's), else pip's configured global.index-url, else PyPI.
func (c *Cache) PyIndexURL(ctx context.Context) string {
	for _, kv := range c.env() {
		if v, ok := strings.CutPrefix(kv, "PIP_INDEX_URL="); ok && v != "" {
			return v
		}
	}
	if out, err := c.run(ctx, "", c.pipEnv(), c.python(), "-I", "-m", "pip", "config", "get", "global.index-url"); err == nil {
		if s := strings.TrimSpace(string(out)); s != "" {
			return s
		}
	}
	return "https://pypi.org/simple/"
}

// pyFile is one file of a project in the simple API (PEP 503 HTML or PEP
// 691 JSON).
type pyFile struct {
	Filename       string            `json:"filename"`
	URL            string            `json:"url"`
	Hashes         map[string]string `json:"hashes"`
	RequiresPython string            `json:"requires-python"`
	Yanked         json.RawMessage   `json:"yanked"`
	UploadTime     string            `json:"upload-time"`
}

// pyFileVersion reads the project and version of a wheel
// (NAME-VERSION-...whl) or source distribution (NAME-VERSION.tar.gz).
func pyFileVersion(filename string) (name, version string, ok bool) {
	if base, isWheel := strings.CutSuffix(filename, ".whl"); isWheel {
		parts := strings.Split(base, "-")
		if len(parts) < 5 {
			return "", "", false
		}
		return parts[0], parts[1], true
	}
	for _, ext := range []string{".tar.gz", ".zip"} {
		if base, ok := strings.CutSuffix(filename, ext); ok {
			i := strings.LastIndex(base, "-")
			if i <= 0 {
				return "", "", false
			}
			return base[:i], base[i+1:], true
		}
	}
	return "", "", false
}

// VetPy reports what the package index's simple API tells about a
// version: its files and their sha256, upload time (JSON API with PEP 700
// only), yanked, Requires-Python, and whether it has a wheel (mcpwarden
// installs wheels only). Publisher, maintainers, license and provenance
// are not in the simple API.
func (c *Cache) VetPy(ctx context.Context, spec Spec, o VetOptions) (*Report, error) {
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	index := c.PyIndexURL(ctx)
	u, err := url.Parse(strings.TrimSuffix(index, "/") + "/" + spec.Name + "/")
	if err != nil {
		return nil, fmt.Errorf("index %q: %w", index, err)
	}
	req, _ := http.NewRequestWithContext(ctx, "GET", u.String(), nil)
	req.Header.Set("Accept", "application/vnd.pypi.simple.v1+json, text/html;q=0.1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return nil, fmt.Errorf("%s: %s", u, resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
	if err != nil {
		return nil, err
	}
	var files []pyFile
	if strings.Contains(resp.Header.Get("Content-Type"), "json") {
		var j struct {
			Files []pyFile `json:"files"`
		}
		if err := json.Unmarshal(body, &j); err != nil {
			return nil, fmt.Errorf("%s: %w", u, err)
		}
		files = j.Files
	} else if files, err = parseSimpleHTML(body, u); err != nil {
		return nil, err
	}
	byVersion := map[string][]pyFile{}
	for _, f := range files {
		n, v, ok := pyFileVersion(f.Filename)
		if !ok || NormalizePyName(n) != spec.Name {
			continue
		}
		byVersion[v] = append(byVersion[v], f)
	}
	var versions []string
	for v := range byVersion {
		versions = append(versions, v)
	}
	sort.Slice(versions, func(i, j int) bool { return pyLess(versions[j], versions[i]) })
	if len(versions) == 0 {
		return nil, fmt.Errorf("%s: the index lists no distribution of %s", u, spec.Name)
	}
	version := spec.Version
	if version == "" {
		version = versions[0]
	}
	fs := byVersion[version]
	if len(fs) == 0 {
		return nil, fmt.Errorf("%s: the index lists no files of %s %s (it has %s)", u, spec.Name, version, strings.Join(versions, ", "))
	}
	r := &Report{Ecosystem: EcosystemPyPI, Package: spec.Name, Version: version, Latest: versions[0], Maintainers: []string{}, Signatures: []string{},
		RedFlags: []string{}, Notes: []string{}, Scorecard: o.Scorecard}
	wheel := false
	for _, f := range fs {
		if strings.HasSuffix(f.Filename, ".whl") {
			wheel = true
			if r.Integrity == "" && f.Hashes["sha256"] != "" {
				r.Integrity = "sha256:" + f.Hashes["sha256"]
			}
		}
		r.Files = append(r.Files, f.Filename)
		if f.RequiresPython != "" {
			r.RequiresPython = f.RequiresPython
		}
		if y := yankReason(f.Yanked); y != "" {
			r.Yanked = y
		}
		if t, err := time.Parse(time.RFC3339, f.UploadTime); err == nil && (r.Published == nil || t.Before(*r.Published)) {
			r.Published = &t
		}
	}
	if r.Published != nil {
		age := o.Now.Sub(*r.Published)
		r.Age = humanAge(age)
		if o.MinAge > 0 && age < o.MinAge {
			r.RedFlags = append(r.RedFlags, fmt.Sprintf("published %s ago, less than --min-age %s", r.Age, o.MinAge))
		}
	} else {
		r.Notes = append(r.Notes, "the index gives no upload time (PEP 700, JSON API only)")
	}
	if r.Yanked != "" {
		r.RedFlags = append(r.RedFlags, "yanked: "+r.Yanked)
	}
	if !wheel {
		r.RedFlags = append(r.RedFlags, "no wheel, only a source distribution: installing it runs its build code (mcpwarden installs wheels only)")
	}
	if r.Latest != r.Version {
		r.Notes = append(r.Notes, "a newer version is on the index: "+r.Latest)
	}
	r.Notes = append(r.Notes, "the simple API names no publisher, maintainers or license and has no provenance; read the project page")
	if sc := o.Scorecard; sc != nil && o.MinScore > 0 && sc.Score >= 0 && sc.Score < o.MinScore {
		r.RedFlags = append(r.RedFlags, fmt.Sprintf("OpenSSF Scorecard %.1f, below --min-score %.1f", sc.Score, o.MinScore))
	}
	return r, nil
}

func yankReason(raw json.RawMessage) string {
	var b bool
	if json.Unmarshal(raw, &b) == nil {
		if b {
			return "yes"
		}
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil && s != "" {
		return s
	}
	return ""
}

// parseSimpleHTML reads a PEP 503 project page.
func parseSimpleHTML(body []byte, base *url.URL) ([]pyFile, error) {
	doc, err := html.Parse(strings.NewReader(string(body)))
	if err != nil {
		return nil, err
	}
	var files []pyFile
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "a" {
			f := pyFile{Hashes: map[string]string{}}
			for _, a := range n.Attr {
				switch a.Key {
				case "href":
					if u, err := base.Parse(a.Val); err == nil {
						if alg, h, ok := strings.Cut(u.Fragment, "="); ok {
							f.Hashes[alg] = h
						}
						u.Fragment = ""
						f.URL = u.String()
						f.Filename = path.Base(u.Path)
					}
				case "data-requires-python":
					f.RequiresPython = a.Val
				case "data-yanked":
					reason := a.Val
					if reason == "" {
						reason = "yes"
					}
					f.Yanked, _ = json.Marshal(reason)
				}
			}
			if f.Filename != "" {
				files = append(files, f)
			}
		}
		for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
			walk(ch)
		}
	}
	walk(doc)
	return files, nil
}

// pyLess orders versions by their numeric release parts (then as text):
// enough to pick the newest of an index's versions for a report.
func pyLess(a, b string) bool {
	pa, pb := pyRelease(a), pyRelease(b)
	for i := 0; i < len(pa) || i < len(pb); i++ {
		var x, y int
		if i < len(pa) {
			x = pa[i]
		}
		if i < len(pb) {
			y = pb[i]
		}
		if x != y {
			return x < y
		}
	}
	return a < b
}

func pyRelease(v string) []int {
	var out []int
	for _, p := range strings.Split(v, ".") {
		n, err := strconv.Atoi(p)
		if err != nil {
			break
		}
		out = append(out, n)
	}
	return out
}
