package supply

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/mcpwarden/mcpwarden/internal/pin"
)

// Python servers (`uvx PKG`, `pipx run PKG`) are installed into a
// virtualenv of their own in the cache, by the machine's Python with pip
// (neither uv nor pipx is needed): the version and its dependencies are
// resolved once with `pip install --dry-run --report` (wheels only: an
// sdist would run its build code at install time, like an npm install
// script), and installed with pip in hash-checking mode
// (--require-hashes --no-deps), so every distribution file pip downloads
// must have the sha256 the index listed when it was pinned. pip's index
// is the one it is configured with (PIP_INDEX_URL, pip.conf) in the
// gateway's environment.

func (c *Cache) python() string {
	if c.Python == "" {
		return "python3"
	}
	return c.Python
}

func (c *Cache) pipEnv() []string {
	return c.env("PIP_DISABLE_PIP_VERSION_CHECK=1", "PIP_NO_INPUT=1", "PYTHONDONTWRITEBYTECODE=1")
}

// pyVersion is the interpreter's implementation and version
// (cpython-3.11.7).
func (c *Cache) pyVersion(ctx context.Context) (string, error) {
	return c.toolVersion(ctx, "py\x00"+c.python()+"\x00"+os.Getenv("PATH"), func() (string, error) {
		out, err := c.run(ctx, "", c.pipEnv(), c.python(), "-I", "-c", "import platform; print(platform.python_implementation().lower() + '-' + platform.python_version())")
		if err != nil {
			return "", err
		}
		return strings.TrimSpace(string(out)), nil
	})
}

// pyDist is one distribution to install: its version and the sha256 of
// its file as the index lists it.
type pyDist struct {
	Version string `json:"version"`
	SHA256  string `json:"sha256"`
}

// pipReport is the part of `pip install --report` read here.
type pipReport struct {
	Install []struct {
		IsDirect     bool `json:"is_direct"`
		Requested    bool `json:"requested"`
		DownloadInfo struct {
			URL         string `json:"url"`
			ArchiveInfo *struct {
				Hash   string            `json:"hash"`
				Hashes map[string]string `json:"hashes"`
			} `json:"archive_info"`
		} `json:"download_info"`
		Metadata struct {
			Name           string `json:"name"`
			Version        string `json:"version"`
			RequiresPython string `json:"requires_python"`
		} `json:"metadata"`
	} `json:"install"`
}

// pyResolve asks pip which distributions spec installs (wheels only),
// with the sha256 the index gives for each file.
func (c *Cache) pyResolve(ctx context.Context, work string, spec Spec) (map[string]pyDist, error) {
	report := filepath.Join(work, "report.json")
	if _, err := c.run(ctx, work, c.pipEnv(), c.python(), "-I", "-m", "pip", "install", "--dry-run", "--ignore-installed",
		"--only-binary=:all:", "--quiet", "--report", report, spec.String()); err != nil {
		return nil, err
	}
	b, err := os.ReadFile(report)
	if err != nil {
		return nil, err
	}
	var r pipReport
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("pip --report: %w", err)
	}
	out := map[string]pyDist{}
	for _, in := range r.Install {
		name := NormalizePyName(in.Metadata.Name)
		ai := in.DownloadInfo.ArchiveInfo
		if in.IsDirect || ai == nil {
			return nil, fmt.Errorf("%s: not a distribution from the index (%s)", name, in.DownloadInfo.URL)
		}
		sum := ai.Hashes["sha256"]
		if sum == "" {
			sum, _ = strings.CutPrefix(ai.Hash, "sha256=")
		}
		if b, err := hex.DecodeString(sum); err != nil || len(b) != 32 {
			return nil, fmt.Errorf("%s %s: the index gives no sha256 for %s", name, in.Metadata.Version, in.DownloadInfo.URL)
		}
		out[name] = pyDist{Version: in.Metadata.Version, SHA256: strings.ToLower(sum)}
	}
	if _, ok := out[spec.Name]; !ok {
		return nil, fmt.Errorf("pip resolved no distribution %s", spec.Name)
	}
	return out, nil
}

// pyInstall creates the virtualenv dir (anew) and installs dists into it
// with pip in hash-checking mode, without resolving anything else.
func (c *Cache) pyInstall(ctx context.Context, dir string, dists map[string]pyDist) error {
	tmp, err := c.tempDir(EcosystemPyPI)
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	names := make([]string, 0, len(dists))
	for n := range dists {
		names = append(names, n)
	}
	sort.Strings(names)
	var req bytes.Buffer
	for _, n := range names {
		d := dists[n]
		if !pyName.MatchString(n) || !pyVersion.MatchString(d.Version) {
			return fmt.Errorf("the lockfile's distribution %q %q cannot be installed", n, d.Version)
		}
		if b, err := hex.DecodeString(d.SHA256); err != nil || len(b) != 32 {
			return fmt.Errorf("the lockfile's distribution %s has no sha256", n)
		}
		fmt.Fprintf(&req, "%s==%s --hash=sha256:%s\n", n, d.Version, d.SHA256)
	}
	reqFile := filepath.Join(tmp, "requirements.txt")
	if err := os.WriteFile(reqFile, req.Bytes(), 0o600); err != nil {
		return err
	}
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	if _, err := c.run(ctx, tmp, c.pipEnv(), c.python(), "-I", "-m", "venv", "--copies", "--without-pip", dir); err != nil {
		return err
	}
	if _, err := c.run(ctx, tmp, c.pipEnv(), c.python(), "-I", "-m", "pip", "--python", filepath.Join(dir, "bin", "python"), "install",
		"--no-deps", "--no-compile", "--require-hashes", "--only-binary=:all:", "--quiet", "-r", reqFile); err != nil {
		_ = os.RemoveAll(dir)
		return err
	}
	return nil
}

// pinPy resolves spec, installs it and pins the version, the sha256 of
// its distribution file, the other distributions, the console script and
// the virtualenv's tree.
func (c *Cache) pinPy(ctx context.Context, spec Spec, by string, now time.Time) (*pin.Package, error) {
	tc, err := c.pyVersion(ctx)
	if err != nil {
		return nil, err
	}
	tmp, err := c.tempDir(EcosystemPyPI)
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	dists, err := c.pyResolve(ctx, tmp, spec)
	if err != nil {
		return nil, err
	}
	top := dists[spec.Name]
	if spec.Version != "" && top.Version != spec.Version {
		return nil, fmt.Errorf("%s resolves to version %s: give the version as the index spells it (the gateway compares them exactly)", spec, top.Version)
	}
	p := &pin.Package{Ecosystem: EcosystemPyPI, Name: spec.Name, Version: top.Version, Integrity: "sha256:" + top.SHA256,
		Toolchain: tc, PinnedAt: now.UTC().Truncate(time.Second), PinnedBy: by}
	deps := map[string]pyDist{}
	for n, d := range dists {
		if n != spec.Name {
			deps[n] = d
		}
	}
	if p.Dependencies, err = json.Marshal(deps); err != nil {
		return nil, err
	}
	dir := c.Dir(p)
	unlock := c.lock(dir)
	defer unlock()
	trusted.Delete(dir)
	if err := c.pyInstall(ctx, dir, dists); err != nil {
		return nil, err
	}
	script, err := pyScript(dir, spec.Name, spec.Bin)
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("%s: %w", p.Key(), err)
	}
	p.Bin = "bin/" + script
	if p.Tree, err = TreeHash(dir); err != nil {
		return nil, err
	}
	return p, nil
}

// reinstallPy installs the pinned distributions into dir.
func (c *Cache) reinstallPy(ctx context.Context, p *pin.Package, dir string) (string, error) {
	dists := map[string]pyDist{}
	if len(p.Dependencies) > 0 {
		if err := json.Unmarshal(p.Dependencies, &dists); err != nil {
			return "", fmt.Errorf("the lockfile's dependencies cannot be read (%v): run mcpwarden pin", err)
		}
	}
	sum, ok := strings.CutPrefix(p.Integrity, "sha256:")
	if !ok {
		return "", fmt.Errorf("integrity %q is not sha256:HEX", p.Integrity)
	}
	dists[p.Name] = pyDist{Version: p.Version, SHA256: sum}
	if err := c.pyInstall(ctx, dir, dists); err != nil {
		return "", err
	}
	if fi, err := os.Stat(filepath.Join(dir, filepath.FromSlash(p.Bin))); err != nil || !fi.Mode().IsRegular() {
		return "", fmt.Errorf("the reinstalled package has no %s", p.Bin)
	}
	return TreeHash(dir)
}

// pyScript chooses the console script to run from the installed
// distribution's entry points: the one named want, else the one named
// like the package (what uvx and pipx run), else the only one.
func pyScript(venv, name, want string) (string, error) {
	infos, _ := filepath.Glob(filepath.Join(venv, "lib", "python*", "site-packages", "*.dist-info"))
	var scripts []string
	found := false
	for _, di := range infos {
		meta, err := os.ReadFile(filepath.Join(di, "METADATA"))
		if err != nil || !metadataNames(meta, name) {
			continue
		}
		found = true
		scripts, err = consoleScripts(filepath.Join(di, "entry_points.txt"))
		if err != nil {
			return "", err
		}
	}
	if !found {
		return "", fmt.Errorf("no installed distribution %s", name)
	}
	sort.Strings(scripts)
	pick := ""
	switch {
	case want != "":
		pick = want
	case contains(scripts, name):
		pick = name
	case len(scripts) == 1:
		pick = scripts[0]
	}
	if pick == "" || !contains(scripts, pick) {
		if len(scripts) == 0 {
			return "", fmt.Errorf("the distribution declares no console script: there is nothing to run")
		}
		return "", fmt.Errorf("no console script %q (it has %s): name one with uvx --from PKG SCRIPT", pick, strings.Join(scripts, ", "))
	}
	if fi, err := os.Stat(filepath.Join(venv, "bin", pick)); err != nil || !fi.Mode().IsRegular() || strings.ContainsAny(pick, "/\\") {
		return "", fmt.Errorf("console script %q was not installed", pick)
	}
	return pick, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func metadataNames(meta []byte, name string) bool {
	sc := bufio.NewScanner(bytes.NewReader(meta))
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			break
		}
		if v, ok := strings.CutPrefix(line, "Name:"); ok {
			return NormalizePyName(strings.TrimSpace(v)) == name
		}
	}
	return false
}

// consoleScripts reads the [console_scripts] names of entry_points.txt.
func consoleScripts(path string) ([]string, error) {
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []string
	section := ""
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";"):
		case strings.HasPrefix(line, "["):
			section = strings.Trim(line, "[] ")
		case section == "console_scripts":
			if k, _, ok := strings.Cut(line, "="); ok {
				out = append(out, strings.TrimSpace(k))
			}
		}
	}
	return out, nil
}
