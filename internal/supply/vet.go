package supply

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"golang.org/x/mod/semver"
)

// InstallScripts are the lifecycle scripts npm runs when a package is
// installed (prepare only for git dependencies and local installs).
var InstallScripts = []string{"preinstall", "install", "postinstall", "prepare"}

// Report is what a reviewer wants to see before a package is added: who
// published it and when, what it would run on install, where its source
// is, what the registry vouches for.
type Report struct {
	// Ecosystem is "go" or "pypi" for those reports ("" for npm).
	Ecosystem   string   `json:"ecosystem,omitempty"`
	Package     string   `json:"package"`
	Version     string   `json:"version"`
	Latest      string   `json:"latest,omitempty"`
	Description string   `json:"description,omitempty"`
	License     string   `json:"license,omitempty"`
	Publisher   string   `json:"publisher,omitempty"`
	Maintainers []string `json:"maintainers"`
	// Published is the version's publish time; Age how long ago.
	Published  *time.Time `json:"published,omitempty"`
	Age        string     `json:"age,omitempty"`
	Repository string     `json:"repository,omitempty"`
	GitHead    string     `json:"git_head,omitempty"`
	Integrity  string     `json:"integrity"`
	// Signatures are the registry's signatures of the version (keyids).
	Signatures []string `json:"registry_signatures"`
	// Provenance is the predicate type of a provenance attestation
	// (SLSA), "" when the version has none.
	Provenance     string            `json:"provenance,omitempty"`
	Attestations   string            `json:"attestations_url,omitempty"`
	InstallScripts map[string]string `json:"install_scripts,omitempty"`
	Dependencies   int               `json:"dependencies"`
	Deprecated     string            `json:"deprecated,omitempty"`
	// Go: the authors' retraction and the module's go directive.
	Retracted string `json:"retracted,omitempty"`
	GoVersion string `json:"go_version,omitempty"`
	// Python: the version's yank reason, Requires-Python and files.
	Yanked         string     `json:"yanked,omitempty"`
	RequiresPython string     `json:"requires_python,omitempty"`
	Files          []string   `json:"files,omitempty"`
	Scorecard      *Scorecard `json:"scorecard,omitempty"`
	// RedFlags make `mcpwarden vet` exit 1; Notes are worth reading.
	RedFlags []string `json:"red_flags"`
	Notes    []string `json:"notes"`
}

// VetOptions set the thresholds of red flags.
type VetOptions struct {
	// MinAge flags a version published more recently (0: off). A hijacked
	// release is usually found and pulled within days.
	MinAge time.Duration
	// MinScore flags a Scorecard score below it (0: off).
	MinScore  float64
	Scorecard *Scorecard
	Now       time.Time
}

// Vet reports on the manifest of one version.
func Vet(m *Manifest, o VetOptions) *Report {
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	r := &Report{Package: m.Name, Version: m.Version, Latest: m.DistTags["latest"], Description: m.Description,
		License: textOf(m.License, "type"), Publisher: person(m.NpmUser), Repository: textOf(m.Repository, "url"),
		GitHead: m.GitHead, Integrity: m.Dist.Integrity, Dependencies: len(m.Dependencies),
		Maintainers: []string{}, Signatures: []string{}, RedFlags: []string{}, Notes: []string{}, Scorecard: o.Scorecard}
	for _, mt := range m.Maintainers {
		if p := person(mt); p != "" {
			r.Maintainers = append(r.Maintainers, p)
		}
	}
	if ts, ok := m.Time[m.Version]; ok {
		if t, err := time.Parse(time.RFC3339, ts); err == nil {
			r.Published = &t
			age := o.Now.Sub(t)
			r.Age = humanAge(age)
			if o.MinAge > 0 && age < o.MinAge {
				r.RedFlags = append(r.RedFlags, fmt.Sprintf("published %s ago, less than --min-age %s", r.Age, o.MinAge))
			}
		}
	}
	if r.Published == nil {
		r.Notes = append(r.Notes, "the registry gives no publish time for this version")
	}
	for _, s := range InstallScripts {
		if v, ok := m.Scripts[s]; ok {
			if r.InstallScripts == nil {
				r.InstallScripts = map[string]string{}
			}
			r.InstallScripts[s] = v
			if s == "prepare" {
				// npm runs prepare for git and local installs, not for a
				// registry tarball: worth reading, not a red flag.
				r.Notes = append(r.Notes, fmt.Sprintf("prepare script %s (npm runs it for git and local installs, not from the registry)", v))
				continue
			}
			r.RedFlags = append(r.RedFlags, fmt.Sprintf("install script %s: %s (mcpwarden installs with --ignore-scripts; a plain npx would run it)", s, v))
		}
	}
	if d := textOf(m.Deprecated, ""); d != "" && d != "false" {
		r.Deprecated = d
		r.RedFlags = append(r.RedFlags, "deprecated: "+d)
	}
	for _, s := range m.Dist.Signatures {
		r.Signatures = append(r.Signatures, s.KeyID)
	}
	if len(r.Signatures) == 0 {
		r.Notes = append(r.Notes, "no registry signature")
	}
	if a := m.Dist.Attestations; a != nil {
		r.Attestations = a.URL
		r.Provenance = a.Provenance.PredicateType
	}
	if r.Provenance == "" {
		r.Notes = append(r.Notes, "no provenance attestation: the build cannot be traced to a source commit")
	}
	if r.Repository == "" {
		r.Notes = append(r.Notes, "no repository declared")
	}
	if r.Publisher == "" {
		r.Notes = append(r.Notes, "the registry names no publisher")
	}
	if r.Latest != "" && r.Latest != r.Version && semver.Compare("v"+r.Latest, "v"+r.Version) > 0 {
		r.Notes = append(r.Notes, "a newer version is tagged latest: "+r.Latest)
	}
	if sc := o.Scorecard; sc != nil && o.MinScore > 0 && sc.Score >= 0 && sc.Score < o.MinScore {
		r.RedFlags = append(r.RedFlags, fmt.Sprintf("OpenSSF Scorecard %.1f, below --min-score %.1f", sc.Score, o.MinScore))
	}
	return r
}

// Newer lists the versions of m above version, highest first (prereleases
// only when version is one).
func Newer(m *Manifest, version string) []string {
	var out []string
	pre := semver.Prerelease("v"+version) != ""
	for _, v := range m.Versions {
		sv := "v" + v
		if !semver.IsValid(sv) || (!pre && semver.Prerelease(sv) != "") {
			continue
		}
		if semver.Compare(sv, "v"+version) > 0 {
			out = append(out, v)
		}
	}
	sort.Slice(out, func(i, j int) bool { return semver.Compare("v"+out[i], "v"+out[j]) > 0 })
	return out
}

// person reads "name <email>" or {name, email}.
func person(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var p struct {
		Name  string `json:"name"`
		Email string `json:"email"`
	}
	if json.Unmarshal(raw, &p) != nil || p.Name == "" {
		return ""
	}
	if p.Email != "" {
		return p.Name + " <" + p.Email + ">"
	}
	return p.Name
}

// textOf reads a string or the field of an object.
func textOf(raw json.RawMessage, field string) string {
	if len(raw) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var b bool
	if json.Unmarshal(raw, &b) == nil {
		if b {
			return "true"
		}
		return ""
	}
	if field != "" {
		var m map[string]any
		if json.Unmarshal(raw, &m) == nil {
			if v, ok := m[field].(string); ok {
				return v
			}
		}
	}
	return ""
}

func humanAge(d time.Duration) string {
	switch {
	case d < 0:
		return "0s (in the future)"
	case d < time.Hour:
		return d.Truncate(time.Second).String()
	case d < 72*time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	}
	return fmt.Sprintf("%d days", int(d.Hours()/24))
}

// Scorecard is an OpenSSF Scorecard result (scorecard --format json).
type Scorecard struct {
	Date string `json:"date"`
	Repo struct {
		Name   string `json:"name"`
		Commit string `json:"commit"`
	} `json:"repo"`
	Score  float64 `json:"score"`
	Checks []struct {
		Name   string  `json:"name"`
		Score  float64 `json:"score"`
		Reason string  `json:"reason"`
	} `json:"checks"`
}

// ReadScorecard reads a Scorecard JSON result file.
func ReadScorecard(path string) (*Scorecard, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("--scorecard: %w", err)
	}
	defer f.Close()
	var sc Scorecard
	if err := json.NewDecoder(io.LimitReader(f, 16<<20)).Decode(&sc); err != nil {
		return nil, fmt.Errorf("--scorecard %s: not a Scorecard JSON result: %w", path, err)
	}
	if sc.Repo.Name == "" || len(sc.Checks) == 0 {
		return nil, fmt.Errorf("--scorecard %s: not a Scorecard JSON result (no repo.name or checks)", path)
	}
	return &sc, nil
}

// WriteTable prints the report for a reviewer.
func (r *Report) WriteTable(w io.Writer) {
	row := func(k, v string) {
		if v == "" {
			v = "-"
		}
		fmt.Fprintf(w, "%-20s %s\n", k, v)
	}
	pub := ""
	if r.Published != nil {
		pub = r.Published.UTC().Format(time.RFC3339) + " (" + r.Age + " ago)"
	}
	switch r.Ecosystem {
	case "go":
		row("module", r.Package+"@"+r.Version)
		row("latest", r.Latest)
		row("license", r.License)
		row("published", pub)
		row("repository", r.Repository)
		row("vcs revision", r.GitHead)
		row("integrity", r.Integrity)
		row("go directive", r.GoVersion)
		row("requirements", fmt.Sprint(r.Dependencies))
		row("retracted", r.Retracted)
		row("deprecated", r.Deprecated)
	case "pypi":
		row("package", r.Package+"=="+r.Version)
		row("latest", r.Latest)
		row("published", pub)
		row("integrity", r.Integrity)
		row("files", strings.Join(r.Files, ", "))
		row("requires-python", r.RequiresPython)
		row("yanked", r.Yanked)
	default:
		row("package", r.Package+"@"+r.Version)
		row("latest", r.Latest)
		row("description", r.Description)
		row("license", r.License)
		row("publisher", r.Publisher)
		row("maintainers", strings.Join(r.Maintainers, ", "))
		row("published", pub)
		row("repository", r.Repository)
		row("git head", r.GitHead)
		row("integrity", r.Integrity)
		row("registry signature", strings.Join(r.Signatures, ", "))
		row("provenance", r.Provenance)
		var scripts []string
		for _, s := range InstallScripts {
			if v, ok := r.InstallScripts[s]; ok {
				scripts = append(scripts, s+": "+v)
			}
		}
		row("install scripts", strings.Join(scripts, "; "))
		row("dependencies", fmt.Sprint(r.Dependencies))
		row("deprecated", r.Deprecated)
	}
	if sc := r.Scorecard; sc != nil {
		row("scorecard", fmt.Sprintf("%.1f / 10 for %s (%s)", sc.Score, sc.Repo.Name, sc.Date))
		for _, c := range sc.Checks {
			s := fmt.Sprintf("%.0f", c.Score)
			if c.Score < 0 {
				s = "?"
			}
			fmt.Fprintf(w, "  %-18s %2s  %s\n", c.Name, s, c.Reason)
		}
	}
	for _, n := range r.Notes {
		fmt.Fprintln(w, "note:", n)
	}
	for _, f := range r.RedFlags {
		fmt.Fprintln(w, "RED FLAG:", f)
	}
	if len(r.RedFlags) == 0 {
		fmt.Fprintln(w, "no red flags")
	}
}
