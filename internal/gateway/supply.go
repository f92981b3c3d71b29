package gateway

import (
	"context"
	"errors"
	"fmt"

	"github.com/mcpwarden/mcpwarden/internal/audit"
	"github.com/mcpwarden/mcpwarden/internal/config"
	"github.com/mcpwarden/mcpwarden/internal/pin"
	"github.com/mcpwarden/mcpwarden/internal/supply"
	"github.com/mcpwarden/mcpwarden/internal/upstream"
)

// Supply chain (issue 8): a stdio server launched from a registry (npx,
// go run MODULE@VERSION, uvx, pipx run) whose package the lockfile pins
// runs from the package cache (node with the package's bin, the built Go
// binary, the virtualenv's console script) after the installed tree was
// checked against the pin; a mismatch refuses the start (fail closed),
// audited as upstream.error with guard "supply".

// GuardSupply is the decision guard of a refused package.
const GuardSupply = "supply"

// packageRefused is a start refused by the package check (already
// audited with its reason).
type packageRefused struct{ err error }

func (e *packageRefused) Error() string { return e.err.Error() }
func (e *packageRefused) Unwrap() error { return e.err }

// packageLaunch returns what to run for a command server: cmd and its
// configured args, or, when the lockfile (or opts.Packages) pins the npm
// package the server is launched with, node with that package's bin from
// the cache. check, when not nil, must pass before each start: it installs
// a missing package and verifies the installed tree. dirs are the
// package's cache directory and what else it runs from (a sandbox must
// let the server read them), or nil.
func (g *Gateway) packageLaunch(sc *config.Server, cmd string, opts Options) (run string, args []string, check func(context.Context) error, dirs []string, err error) {
	spec, rest, isNpx, perr := supply.ParseLaunch(cmd, sc.Args)
	if !isNpx {
		return cmd, sc.Args, nil, nil, nil
	}
	pkgs := opts.Packages
	if pkgs == nil {
		l := g.pins.current()
		if !g.pins.on() {
			var err error
			if l, _, err = pin.LoadLock(g.cfg.Pin.Lockfile); err != nil {
				return "", nil, nil, nil, err
			}
		}
		pkgs = l.Packages
	}
	p := pkgs[sc.Name]
	if p == nil {
		return cmd, sc.Args, nil, nil, nil // not pinned: as configured (mcpwarden pin --check reports it)
	}
	cache := &supply.Cache{Root: opts.PackageCache}
	if cache.Root == "" {
		cache.Root = supply.CacheRoot(g.cfg)
	}
	refuse := func(ctx context.Context, err error, detail map[string]any) error {
		ev := systemEvent(audit.TypeUpstreamError, sc.Name)
		ev.Decision = audit.Decision{Action: audit.ActionDeny, Guard: GuardSupply, Reason: err.Error()}
		ev.Status = audit.Status{Outcome: audit.OutcomeUnavailable, ErrorMessage: err.Error()}
		detail["package"] = p.Key()
		ev.Detail = detail
		_ = g.emit(ctx, ev)
		return &packageRefused{err}
	}
	switch {
	case perr != nil:
		perr = fmt.Errorf("package %s is pinned but the command cannot be read: %w", p.Key(), perr)
	case spec.Name != p.Name || spec.Ecosystem != p.Ecosystem:
		perr = fmt.Errorf("the lockfile pins package %s but the server runs %s: run mcpwarden pin", p.Key(), spec)
	case spec.Exact() && spec.Version != p.Version:
		perr = fmt.Errorf("the lockfile pins package %s but the server asks for version %s: run mcpwarden pin", p.Key(), spec.Version)
	}
	if perr != nil {
		return cmd, sc.Args, func(ctx context.Context) error { return refuse(ctx, perr, map[string]any{"reason": "config"}) }, nil, nil
	}
	// A package pinned with another Go version or Python interpreter is
	// rebuilt once from its verified sources: said in the audit log.
	cache.OnRebuild = func(p *pin.Package, r supply.Rebuild) {
		ev := systemEvent(audit.TypeConfigWarning, sc.Name)
		msg := fmt.Sprintf("package %s was pinned with %s; rebuilt with %s from the pinned hashes (run mcpwarden pin to record it)", p.Key(), r.PinnedToolchain, r.Toolchain)
		ev.Decision = audit.Decision{Action: audit.ActionAllow, Guard: GuardSupply, Reason: msg}
		ev.Detail = map[string]any{"warning": msg, "reason": "toolchain_rebuild", "package": p.Key(), "pinned_toolchain": r.PinnedToolchain,
			"toolchain": r.Toolchain, "pinned_tree": r.PinnedTree, "installed_tree": r.Tree}
		if r.PreviousTree != "" {
			ev.Detail["previous_tree"] = r.PreviousTree
		}
		_ = g.emit(context.Background(), ev)
	}
	run, args = cache.Command(p, rest)
	check = func(ctx context.Context) error {
		err := cache.Ensure(ctx, p)
		if err == nil {
			return nil
		}
		detail := map[string]any{"reason": "install", "pinned_tree": p.Tree}
		if me := (*supply.MismatchError)(nil); errors.As(err, &me) {
			detail["reason"], detail["installed_tree"] = "tree_mismatch", me.Got
			if me.Reinstalled {
				detail["reason"] = "reinstall_mismatch"
			}
		}
		return refuse(ctx, err, detail)
	}
	return run, args, check, cache.ReadDirs(p), nil
}

// checkedDialer runs check before each process start.
type checkedDialer struct {
	upstream.Dialer
	check func(context.Context) error
}

func (d *checkedDialer) Dial(ctx context.Context, h upstream.Handler) (upstream.Conn, error) {
	if err := d.check(ctx); err != nil {
		return nil, err
	}
	return d.Dialer.Dial(ctx, h)
}
