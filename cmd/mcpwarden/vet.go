package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/mcpwarden/mcpwarden/internal/config"
	"github.com/mcpwarden/mcpwarden/internal/gateway"
	"github.com/mcpwarden/mcpwarden/internal/pin"
	"github.com/mcpwarden/mcpwarden/internal/supply"
)

// packagePlan is what `mcpwarden pin` does with the package pins: the
// pins to use (and write), lines for the report, and differences from the
// lockfile (for --check).
type packagePlan struct {
	pins   map[string]*pin.Package
	report []string
	diffs  []string
	failed int
	// unlisted are registry-launched servers (npx, go run, uvx, pipx
	// run) without a good package pin: they are not started (the launcher
	// would fetch and run unreviewed code, install scripts included).
	unlisted map[string]bool
}

// listed is cfg without the servers the plan does not start.
func (pl *packagePlan) listed(cfg *config.Config) *config.Config {
	if len(pl.unlisted) == 0 {
		return cfg
	}
	c := *cfg
	c.Servers = config.OrderedMap[*config.Server]{}
	for _, name := range cfg.Servers.Keys {
		if !pl.unlisted[name] {
			c.Servers.Set(name, cfg.Servers.Values[name])
		}
	}
	return &c
}

// planPackages resolves the package of every server launched from a
// registry (npx, go run MODULE@VERSION, uvx, pipx run).
// A pinned package is kept (and checked in the cache) while the config
// still asks for it; a new or changed one is resolved and installed
// (unless check); update re-resolves every one.
func planPackages(ctx context.Context, cfg *config.Config, old *pin.Lock, check, update bool, by string, now time.Time) *packagePlan {
	pl := &packagePlan{pins: map[string]*pin.Package{}, unlisted: map[string]bool{}}
	cache := &supply.Cache{Root: supply.CacheRoot(cfg)}
	var rebuilt *supply.Rebuild
	cache.OnRebuild = func(_ *pin.Package, r supply.Rebuild) { rebuilt = &r }
	for _, name := range cfg.ServerNames() {
		sc, _ := cfg.Servers.Get(name)
		if sc.Command == "" {
			continue
		}
		rebuilt = nil
		spec, _, isNpx, err := supply.ParseLaunch(sc.Command, sc.Args)
		if !isNpx {
			continue
		}
		prev := old.Packages[name]
		if err != nil {
			// Not a registry package launch: started as configured.
			pl.report = append(pl.report, fmt.Sprintf("%s: package not pinned: %v", name, err))
			pl.diffs = append(pl.diffs, fmt.Sprintf("%s package: cannot be pinned: %v", name, err))
			continue
		}
		keep := prev != nil && prev.Name == spec.Name && prev.Ecosystem == spec.Ecosystem && (!spec.Exact() || spec.Version == prev.Version)
		if keep && (!update || check) {
			pl.pins[name] = prev
			if err := cache.Ensure(ctx, prev); err != nil {
				pl.failed++
				pl.unlisted[name] = true
				pl.report = append(pl.report, fmt.Sprintf("%s: %v", name, err))
				pl.diffs = append(pl.diffs, fmt.Sprintf("%s package: %v", name, err))
			} else if rebuilt != nil {
				// Pinned with another toolchain: rebuilt from the
				// verified sources; record the new tree (not with --check).
				if check {
					pl.diffs = append(pl.diffs, fmt.Sprintf("%s package %s: pinned with %s, built here with %s (tree %s): run mcpwarden pin to record it",
						name, prev.Key(), rebuilt.PinnedToolchain, rebuilt.Toolchain, rebuilt.Tree))
				} else {
					np := *prev
					np.Toolchain, np.Tree, np.PinnedAt, np.PinnedBy = rebuilt.Toolchain, rebuilt.Tree, now.UTC().Truncate(time.Second), by
					pl.pins[name] = &np
					pl.report = append(pl.report, fmt.Sprintf("%s: package %s rebuilt with %s (pinned with %s) from the pinned hashes: tree %s recorded",
						name, prev.Key(), rebuilt.Toolchain, rebuilt.PinnedToolchain, rebuilt.Tree))
				}
			}
			continue
		}
		if check {
			if prev == nil {
				pl.diffs = append(pl.diffs, fmt.Sprintf("%s package %s: not pinned", name, spec))
				pl.unlisted[name] = true
			} else {
				pl.diffs = append(pl.diffs, fmt.Sprintf("%s package: the lockfile pins %s, the config asks for %s", name, prev.Key(), spec))
				pl.pins[name] = prev
				pl.unlisted[name] = true
			}
			continue
		}
		p, _, err := cache.Pin(ctx, spec, by, now)
		if err != nil {
			pl.failed++
			pl.report = append(pl.report, fmt.Sprintf("%s: package %s not pinned: %v", name, spec, err))
			if prev != nil {
				pl.pins[name] = prev
			}
			pl.unlisted[name] = true
			continue
		}
		if prev != nil && prev.Ecosystem == p.Ecosystem && prev.Version == p.Version && prev.Tree == p.Tree && prev.Integrity == p.Integrity && prev.Toolchain == p.Toolchain {
			p = prev // unchanged: keep who pinned it and when
		}
		pl.pins[name] = p
		line := fmt.Sprintf("%s: package %s pinned (integrity %s, tree %s)", name, p.Key(), p.Integrity, p.Tree)
		if prev != nil && prev.Key() != p.Key() {
			line += " replacing " + prev.Key()
		}
		pl.report = append(pl.report, line)
	}
	if check {
		for name, p := range old.Packages {
			if _, ok := pl.pins[name]; !ok {
				pl.diffs = append(pl.diffs, fmt.Sprintf("%s package %s: pinned but no longer launched from a registry", name, p.Key()))
			}
		}
	}
	sort.Strings(pl.diffs)
	return pl
}

// snapshotWith is snapshot with package pins and a package cache.
func snapshotWith(ctx context.Context, cfg *config.Config, stderr io.Writer, pkgs map[string]*pin.Package, cache string) ([]gateway.ServerSnapshot, error) {
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	g, err := gateway.New(cfg, gateway.Options{Logger: log, Packages: pkgs, PackageCache: cache})
	if err != nil {
		return nil, err
	}
	defer g.Close()
	g.Start(ctx)
	return g.Snapshot(ctx), nil
}

func vetCmd(cfgPath *string) *cobra.Command {
	var scorecard, format string
	var minAge time.Duration
	var minScore float64
	var checkUpdates bool
	vc := &cobra.Command{
		Use:   "vet PACKAGE[@VERSION] | go:MODULE[@VERSION] | pypi:NAME[==VERSION] | vet --check-updates --config FILE",
		Short: "Report on a package before adding it as a server (npm: publisher, age, install scripts, provenance; Go modules and Python packages: what the proxy or index tells), or list pinned packages with newer versions",
		Long: `vet asks the registry (with npm view, so your npm configuration applies)
about one version of a package: publisher and maintainers, publish time and
age, install scripts, declared repository, dist.integrity, registry
signatures, provenance attestation, dependencies, deprecation, and, with
--scorecard FILE, an OpenSSF Scorecard JSON result you ran yourself.

go:MODULE[@VERSION] asks the module proxy with the go command (GOPROXY,
GONOSUMDB apply): version time, retraction, deprecation, h1: sum, go
directive, VCS origin and whether the module has a license file.
pypi:NAME[==VERSION] reads the index pip uses (PIP_INDEX_URL, pip.conf)
through the simple API: files and sha256, upload time (PEP 700 JSON only),
yanked, Requires-Python, and whether there is a wheel. Retracted, yanked,
deprecated, sdist-only and too-young versions are red flags.
Red flags (install scripts, deprecated, younger than --min-age, a Scorecard
score under --min-score) make the exit status 1; errors exit 2.

With --check-updates it reads the lockfile of --config and, for every pinned
package with a newer version, installs the newest (without scripts, into a
temporary cache), lists its tools and prints how their definitions differ
from the pins. The exit status is 1 when a newer version exists.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if checkUpdates {
				return cobra.NoArgs(cmd, args)
			}
			return cobra.ExactArgs(1)(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "table" && format != "json" {
				return exitError{code: 2, msg: fmt.Sprintf("--format must be table or json, got %q", format)}
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), 5*time.Minute)
			defer cancel()
			if checkUpdates {
				return checkPackageUpdates(ctx, cmd, *cfgPath, format)
			}
			spec, err := supply.ParseVetTarget(args[0])
			if err != nil {
				return exitError{code: 2, msg: err.Error()}
			}
			var sc *supply.Scorecard
			if scorecard != "" {
				if sc, err = supply.ReadScorecard(scorecard); err != nil {
					return exitError{code: 2, msg: err.Error()}
				}
			}
			vo := supply.VetOptions{MinAge: minAge, MinScore: minScore, Scorecard: sc}
			var r *supply.Report
			switch spec.Ecosystem {
			case supply.EcosystemGo:
				r, err = (&supply.Cache{}).VetGo(ctx, spec, vo)
			case supply.EcosystemPyPI:
				r, err = (&supply.Cache{}).VetPy(ctx, spec, vo)
			default:
				var m *supply.Manifest
				if m, err = (&supply.NPM{}).View(ctx, spec); err == nil {
					r = supply.Vet(m, vo)
				}
			}
			if err != nil {
				return exitError{code: 2, msg: err.Error()}
			}
			out := cmd.OutOrStdout()
			if format == "json" {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				if err := enc.Encode(r); err != nil {
					return err
				}
			} else {
				r.WriteTable(out)
			}
			if len(r.RedFlags) > 0 {
				return exitError{code: 1, msg: fmt.Sprintf("%s@%s: %d red flag(s)", r.Package, r.Version, len(r.RedFlags))}
			}
			return nil
		},
	}
	vc.Flags().StringVar(&scorecard, "scorecard", "", "an OpenSSF Scorecard JSON result (scorecard --format json) to include")
	vc.Flags().DurationVar(&minAge, "min-age", 72*time.Hour, "flag a version published more recently than this (0 turns it off)")
	vc.Flags().Float64Var(&minScore, "min-score", 0, "flag a Scorecard score below this (0 turns it off)")
	vc.Flags().StringVar(&format, "format", "table", "table or json")
	vc.Flags().BoolVar(&checkUpdates, "check-updates", false, "list pinned packages (lockfile of --config) with newer versions and how their tool definitions changed")
	return vc
}

// update is one pinned package with newer versions (vet --check-updates).
type update struct {
	Server  string   `json:"server"`
	Package string   `json:"package"`
	Pinned  string   `json:"pinned"`
	Newer   []string `json:"newer"`
	Checked string   `json:"checked,omitempty"` // the version installed and listed
	// Changes are the definition differences of Checked from the pins.
	Changes []string `json:"changes"`
	Error   string   `json:"error,omitempty"`
}

func checkPackageUpdates(ctx context.Context, cmd *cobra.Command, cfgPath, format string) error {
	if cfgPath == "" {
		return exitError{code: 2, msg: "--check-updates reads the lockfile of --config: give --config"}
	}
	cfg, _, err := loadConfig(cfgPath)
	if err != nil {
		return exitError{code: 2, msg: err.Error()}
	}
	lock, _, err := pin.LoadLock(cfg.Pin.Lockfile)
	if err != nil {
		return exitError{code: 2, msg: err.Error()}
	}
	tmp, err := os.MkdirTemp("", "mcpwarden-vet-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	npm := &supply.NPM{}
	cache := &supply.Cache{Root: tmp, NPM: npm}
	var ups []update
	var notChecked []string
	pinned := 0
	for _, name := range cfg.ServerNames() {
		p := lock.Packages[name]
		sc, _ := cfg.Servers.Get(name)
		if p == nil || sc.Command == "" {
			continue
		}
		if p.Ecosystem != supply.EcosystemNPM {
			notChecked = append(notChecked, name+" ("+p.Key()+")")
			continue
		}
		pinned++
		m, err := npm.View(ctx, supply.Spec{Ecosystem: p.Ecosystem, Name: p.Name})
		if err != nil {
			ups = append(ups, update{Server: name, Package: p.Name, Pinned: p.Version, Error: err.Error()})
			continue
		}
		newer := supply.Newer(m, p.Version)
		if len(newer) == 0 {
			continue
		}
		u := update{Server: name, Package: p.Name, Pinned: p.Version, Newer: newer, Checked: newer[0], Changes: []string{}}
		if l := m.DistTags["latest"]; l != "" && contains(newer, l) {
			u.Checked = l // what npx would fetch
		}
		if err := listUpdate(ctx, cmd.ErrOrStderr(), cfg, lock, name, sc, cache, &u); err != nil {
			u.Error = err.Error()
		}
		ups = append(ups, u)
	}
	out := cmd.OutOrStdout()
	if format == "json" {
		if ups == nil {
			ups = []update{}
		}
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(ups); err != nil {
			return err
		}
	} else {
		for _, u := range ups {
			if u.Error != "" && len(u.Newer) == 0 {
				fmt.Fprintf(out, "%s: npm:%s@%s: %s\n", u.Server, u.Package, u.Pinned, u.Error)
				continue
			}
			fmt.Fprintf(out, "%s: npm:%s pinned %s, newer: %s\n", u.Server, u.Package, u.Pinned, strings.Join(u.Newer, ", "))
			if u.Error != "" {
				fmt.Fprintf(out, "  %s could not be listed: %s\n", u.Checked, u.Error)
				continue
			}
			if len(u.Changes) == 0 {
				fmt.Fprintf(out, "  %s lists the same definitions as the pins\n", u.Checked)
			} else {
				fmt.Fprintf(out, "  %s differs from the pins:\n", u.Checked)
			}
			for _, c := range u.Changes {
				fmt.Fprintln(out, indent(c))
			}
		}
		if len(notChecked) > 0 {
			fmt.Fprintf(out, "not checked (only npm packages are): %s\n", strings.Join(notChecked, ", "))
		}
		if len(ups) == 0 {
			fmt.Fprintf(out, "%d pinned npm package(s), all at their newest version\n", pinned)
		}
	}
	failed := 0
	for _, u := range ups {
		if len(u.Newer) == 0 {
			failed++
		}
	}
	switch {
	case failed > 0:
		return exitError{code: 2, msg: fmt.Sprintf("%d package(s) could not be looked up", failed)}
	case len(ups) > 0:
		return exitError{code: 1, msg: fmt.Sprintf("%d pinned package(s) have newer versions", len(ups))}
	}
	return nil
}

// listUpdate installs u.Checked into cache, lists the server's definitions
// with it, and records how they differ from the pins.
func listUpdate(ctx context.Context, stderr io.Writer, cfg *config.Config, lock *pin.Lock, name string, sc *config.Server, cache *supply.Cache, u *update) error {
	spec, rest, _, err := supply.ParseNpx(sc.Command, sc.Args)
	if err != nil {
		return err
	}
	spec.Version = u.Checked
	np, _, err := cache.Pin(ctx, spec, reviewer(), time.Now())
	if err != nil {
		return err
	}
	one := *cfg
	one.Servers = config.OrderedMap[*config.Server]{}
	s2 := *sc
	s2.Args = spec.NpxArgs(rest)
	one.Servers.Set(name, &s2)
	snaps, err := snapshotWith(ctx, &one, stderr, map[string]*pin.Package{name: np}, cache.Root)
	if err != nil {
		return err
	}
	for _, s := range snaps {
		if s.Err != nil {
			return s.Err
		}
	}
	cur, _, err := lockFrom(lock, snaps, reviewer(), time.Now())
	if err != nil {
		return err
	}
	u.Changes = append(u.Changes, drift(lock, cur)...)
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
