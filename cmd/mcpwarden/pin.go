package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/mcpwarden/mcpwarden/internal/config"
	"github.com/mcpwarden/mcpwarden/internal/gateway"
	"github.com/mcpwarden/mcpwarden/internal/pin"
	"github.com/mcpwarden/mcpwarden/internal/scan"
	"github.com/mcpwarden/mcpwarden/internal/store"
)

// snapshot connects to every configured server and lists what it offers.
func snapshot(ctx context.Context, cfg *config.Config, stderr io.Writer) ([]gateway.ServerSnapshot, error) {
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	g, err := gateway.New(cfg, gateway.Options{Logger: log})
	if err != nil {
		return nil, err
	}
	defer g.Close()
	g.Start(ctx)
	return g.Snapshot(ctx), nil
}

// lockFrom builds the lock for what the servers list now, keeping the pins
// (and first-seen times) of definitions that did not change.
func lockFrom(old *pin.Lock, snaps []gateway.ServerSnapshot, by string, now time.Time) (*pin.Lock, []string, error) {
	l := old.Clone()
	var report []string
	for _, snap := range snaps {
		if snap.Err != nil {
			report = append(report, fmt.Sprintf("%s: not listed (%v); its pins are kept", snap.Server, snap.Err))
			continue
		}
		prev := old.Servers[snap.Server]
		sp := &pin.ServerPins{Identity: snap.Identity}
		l.Servers[snap.Server] = sp
		counts := map[string][3]int{} // kind → new, changed, same
		keep := func(kind, name string, def json.RawMessage) error {
			np, err := pin.NewPin(kind, def, by, now)
			if err != nil {
				return fmt.Errorf("%s %s %q: %w", snap.Server, kind, name, err)
			}
			c := counts[kind]
			if p := old.Get(snap.Server, kind, name); p != nil && p.Hash == np.Hash {
				np = p
				c[2]++
			} else if p != nil {
				c[1]++
			} else {
				c[0]++
			}
			counts[kind] = c
			l.Set(snap.Server, kind, name, np)
			return nil
		}
		if snap.Instructions != "" {
			if err := keep(pin.KindInstructions, "", pin.InstructionsDef(snap.Instructions)); err != nil {
				return nil, nil, err
			}
		}
		for _, kind := range []string{pin.KindTool, pin.KindPrompt, pin.KindTemplate} {
			for _, def := range snap.Items[kind] {
				var d struct {
					Name string `json:"name"`
				}
				if json.Unmarshal(def, &d) != nil || d.Name == "" {
					continue
				}
				if err := keep(kind, d.Name, def); err != nil {
					return nil, nil, err
				}
			}
		}
		removed := 0
		if prev != nil {
			for _, m := range []struct {
				kind string
				pins map[string]*pin.Pin
			}{{pin.KindTool, prev.Tools}, {pin.KindPrompt, prev.Prompts}, {pin.KindTemplate, prev.Templates}} {
				for name := range m.pins {
					if l.Get(snap.Server, m.kind, name) == nil {
						removed++
					}
				}
			}
		}
		var parts []string
		for _, kind := range []string{pin.KindTool, pin.KindPrompt, pin.KindTemplate, pin.KindInstructions} {
			c, ok := counts[kind]
			if !ok {
				continue
			}
			parts = append(parts, fmt.Sprintf("%d %s(s): %d new, %d changed, %d unchanged", c[0]+c[1]+c[2], kind, c[0], c[1], c[2]))
		}
		if len(parts) == 0 {
			parts = append(parts, "nothing listed")
		}
		line := snap.Server + ": " + strings.Join(parts, "; ")
		if removed > 0 {
			line += fmt.Sprintf("; %d removed", removed)
		}
		report = append(report, line)
	}
	return l, report, nil
}

// drift lists the differences between two locks (for pin --check).
func drift(old, cur *pin.Lock) []string {
	var out []string
	names := map[string]bool{}
	for n := range old.Servers {
		names[n] = true
	}
	for n := range cur.Servers {
		names[n] = true
	}
	var servers []string
	for n := range names {
		servers = append(servers, n)
	}
	sort.Strings(servers)
	for _, s := range servers {
		o, c := old.Servers[s], cur.Servers[s]
		if o == nil {
			o = &pin.ServerPins{}
		}
		if c == nil {
			c = &pin.ServerPins{}
		}
		cmp := func(kind string, a, b map[string]*pin.Pin) {
			keys := map[string]bool{}
			for k := range a {
				keys[k] = true
			}
			for k := range b {
				keys[k] = true
			}
			var ks []string
			for k := range keys {
				ks = append(ks, k)
			}
			sort.Strings(ks)
			for _, k := range ks {
				pa, pb := a[k], b[k]
				switch {
				case pa == nil:
					out = append(out, fmt.Sprintf("%s %s %q: new (not pinned)", s, kind, k))
				case pb == nil:
					out = append(out, fmt.Sprintf("%s %s %q: no longer listed", s, kind, k))
				case pa.Hash != pb.Hash:
					ch := pin.Compare(kind, pa.Definition, pb.Definition)
					out = append(out, fmt.Sprintf("%s %s %q: changed (severity %s)\n%s", s, kind, k, ch.Severity, indent(ch.Diff)))
				}
			}
		}
		cmp(pin.KindTool, o.Tools, c.Tools)
		cmp(pin.KindPrompt, o.Prompts, c.Prompts)
		cmp(pin.KindTemplate, o.Templates, c.Templates)
		oi, ci := map[string]*pin.Pin{}, map[string]*pin.Pin{}
		if o.Instructions != nil {
			oi[""] = o.Instructions
		}
		if c.Instructions != nil {
			ci[""] = c.Instructions
		}
		cmp(pin.KindInstructions, oi, ci)
	}
	return out
}

func indent(s string) string {
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return ""
	}
	return "    " + strings.ReplaceAll(s, "\n", "\n    ")
}

func pinCmd(cfgPath *string) *cobra.Command {
	var check, updatePackages bool
	pc := &cobra.Command{
		Use:   "pin",
		Short: "Pin what every configured server lists now (tools, prompts, resource templates, instructions) in the lockfile",
		Long: `pin connects to every configured server, canonicalises each definition (RFC 8785),
hashes it (SHA-256) and writes the lockfile (pin.lockfile, default mcpwarden.lock
next to the configuration). Unchanged definitions keep their pins and first-seen
times. With --check nothing is written: differences are printed and the exit
status is 1 when the servers no longer match the lockfile (for CI).

A server launched with npx (command: npx, args: [-y, PACKAGE[@VERSION], ...])
has its package pinned first: the exact version the registry resolves, its
dist.integrity, and a hash of the tree npm installs (with --ignore-scripts)
into the package cache; the gateway then runs that tree with node and checks
the hash before every start. Servers launched with go run MODULE/PATH@VERSION,
uvx PKG[==VERSION] or pipx run PKG[==VERSION] are pinned the same way: the
Go binary built from the module (its h1: sum and build list recorded), or a
virtualenv installed with pip in hash-checking mode (the index's sha256 of
every wheel recorded). A pinned package is kept until the config asks
for another one or --update-packages is given.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, _, err := loadConfig(*cfgPath)
			if err != nil {
				return err
			}
			old, _, err := pin.LoadLock(cfg.Pin.Lockfile)
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), 2*time.Minute)
			defer cancel()
			// Packages first (supply chain): the servers are then listed
			// as they will run, from the pinned packages.
			pl := planPackages(ctx, cfg, old, check, updatePackages, reviewer(), time.Now())
			snaps, err := snapshotWith(ctx, pl.listed(cfg), cmd.ErrOrStderr(), pl.pins, "")
			if err != nil {
				return err
			}
			l, report, err := lockFrom(old, snaps, reviewer(), time.Now())
			if err != nil {
				return err
			}
			l.Packages = nil
			if len(pl.pins) > 0 {
				l.Packages = pl.pins
			}
			report = append(pl.report, report...)
			out := cmd.OutOrStdout()
			failed := pl.failed
			for _, s := range snaps {
				if s.Err != nil {
					failed++
				}
			}
			if check {
				d := append(pl.diffs, drift(old, l)...)
				for _, line := range d {
					fmt.Fprintln(out, line)
				}
				for _, s := range snaps {
					if s.Err != nil {
						fmt.Fprintf(out, "%s: not listed (%v)\n", s.Server, s.Err)
					}
				}
				if len(d) > 0 || failed > 0 {
					return exitError{code: 1, msg: fmt.Sprintf("%d difference(s) from %s", len(d), cfg.Pin.Lockfile)}
				}
				fmt.Fprintf(out, "the servers match %s\n", cfg.Pin.Lockfile)
				return nil
			}
			if err := l.Save(cfg.Pin.Lockfile); err != nil {
				return err
			}
			for _, line := range report {
				fmt.Fprintln(out, line)
			}
			// What is pinned is also scanned: a reviewer should not pin a
			// poisoned definition unknowingly.
			sc := scan.New(scan.Options{})
			for _, snap := range snaps {
				if snap.Err != nil {
					continue
				}
				fs := sc.Tools(snap.Server, snap.Items[pin.KindTool])
				if len(fs) > 0 {
					fmt.Fprintf(out, "%s: the scanner reports %d finding(s), the highest %s: see mcpwarden scan --config %s\n",
						snap.Server, len(fs), scan.Max(fs), *cfgPath)
				}
			}
			fmt.Fprintf(out, "wrote %s\n", cfg.Pin.Lockfile)
			if failed > 0 {
				return exitError{code: 1, msg: fmt.Sprintf("%d server(s) could not be listed or their package pinned", failed)}
			}
			return nil
		},
	}
	pc.Flags().BoolVar(&check, "check", false, "compare with the lockfile, write nothing; exit 1 on any difference")
	pc.Flags().BoolVar(&updatePackages, "update-packages", false, "resolve the package of every npx, go run, uvx and pipx run server again (the newest version its spec allows) instead of keeping the pinned one")

	openCands := func() (*config.Config, *pin.Candidates, func(), error) {
		cfg, _, err := loadConfig(*cfgPath)
		if err != nil {
			return nil, nil, nil, err
		}
		st, err := store.Open(cfg.Store.Path)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("store.path %q: %w", cfg.Store.Path, err)
		}
		return cfg, &pin.Candidates{DB: st.DB()}, func() { st.Close() }, nil
	}
	var kind, format string
	approve := &cobra.Command{
		Use:   "approve SERVER [NAME]",
		Short: "Accept the definition the gateway saw for SERVER's tool NAME (or --kind prompt|template|instructions) into the lockfile",
		Args:  cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, cands, done, err := openCands()
			if err != nil {
				return err
			}
			defer done()
			name := ""
			if len(args) == 2 {
				name = args[1]
			}
			if kind != pin.KindInstructions && name == "" {
				return fmt.Errorf("name the %s to approve: mcpwarden pin approve %s NAME", kind, args[0])
			}
			l, _, err := pin.LoadLock(cfg.Pin.Lockfile)
			if err != nil {
				return err
			}
			cand, err := cands.Latest(cmd.Context(), l, args[0], kind, name)
			if errors.Is(err, pin.ErrNoCandidate) {
				return fmt.Errorf("%w; the gateway records what it sees differ from the lockfile (see mcpwarden pin pending), or run mcpwarden pin to pin what the servers list now", err)
			}
			if err != nil {
				return err
			}
			np, err := pin.NewPin(kind, cand.Definition, reviewer(), time.Now())
			if err != nil {
				return err
			}
			l = l.Clone()
			l.Set(args[0], kind, name, np)
			if err := l.Save(cfg.Pin.Lockfile); err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "approved %s %q of server %q (%s, %s, severity %s)\n", kind, name, args[0], cand.Status, np.Hash, cand.Change.Severity)
			if cand.Change.Diff != "" {
				fmt.Fprintln(out, indent(cand.Change.Diff))
			}
			fmt.Fprintf(out, "wrote %s (a running gateway reloads it within a second)\n", cfg.Pin.Lockfile)
			return nil
		},
	}
	approve.Flags().StringVar(&kind, "kind", pin.KindTool, "what to approve: tool, prompt, template or instructions")
	pending := &cobra.Command{
		Use:   "pending",
		Short: "List definitions the gateway saw that differ from the lockfile, with their diffs",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, cands, done, err := openCands()
			if err != nil {
				return err
			}
			defer done()
			l, _, err := pin.LoadLock(cfg.Pin.Lockfile)
			if err != nil {
				return err
			}
			list, err := cands.Pending(cmd.Context(), l)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if format == "json" {
				if list == nil {
					list = []pin.Candidate{}
				}
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				return enc.Encode(list)
			}
			if len(list) == 0 {
				fmt.Fprintln(out, "nothing pending")
				return nil
			}
			tw := tabwriter.NewWriter(out, 2, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "SERVER\tKIND\tNAME\tSTATUS\tSEVERITY\tSEEN\tHASH")
			for _, c := range list {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", c.Server, c.Kind, c.Name, c.Status, c.Change.Severity, c.SeenAt.Format(time.RFC3339), c.Hash)
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			for _, c := range list {
				if c.Change.Diff != "" {
					fmt.Fprintf(out, "\n%s %s %q:\n%s\n", c.Server, c.Kind, c.Name, indent(c.Change.Diff))
				}
			}
			return nil
		},
	}
	pending.Flags().StringVar(&format, "format", "table", "table or json")
	pc.AddCommand(approve, pending)
	return pc
}

// exitError ends the command with a status other than 1's usage error.
type exitError struct {
	code int
	msg  string
}

func (e exitError) Error() string { return e.msg }
