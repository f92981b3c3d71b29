package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mcpwarden/mcpwarden/internal/audit"
	"github.com/mcpwarden/mcpwarden/internal/config"
	"github.com/mcpwarden/mcpwarden/internal/pin"
	"github.com/mcpwarden/mcpwarden/internal/scan"
)

// Pin verification (B5). Every definition an upstream lists is hashed
// (served from a cache keyed by its bytes) and compared with the lockfile.
// The pin guard refuses what does not match (strict, tofu); here the
// gateway keeps the lock current, reports each mismatch once (an audit
// event with a readable diff, a candidate in the store for `mcpwarden pin
// approve`), pins first sightings in tofu mode, and reloads the lockfile
// when it changes on disk.

// TypePinMismatch is the audit event of a definition that differs from its
// pin (or has none); TypePinTrusted of one pinned on first use.
const (
	TypePinMismatch = "pin.mismatch"
	TypePinTrusted  = "pin.trusted"
)

type pinState struct {
	g     *Gateway
	mode  pin.Mode
	path  string
	lock  atomic.Pointer[pin.Lock]
	cache *pin.Cache
	cands *pin.Candidates // nil: no store

	seen sync.Map // server, kind, name, hash → reported

	mu        sync.Mutex // tofu writes and reloads
	stampMod  time.Time
	stampSize int64
}

func newPinState(g *Gateway, cfg *config.Config, cands *pin.Candidates) (*pinState, error) {
	p := &pinState{g: g, cache: pin.NewCache(0), cands: cands}
	if cfg.Pin == nil || cfg.Pin.Mode == config.PinOff {
		p.lock.Store(pin.NewLock())
		return p, nil
	}
	p.mode, p.path = pin.Mode(cfg.Pin.Mode), cfg.Pin.Lockfile
	l, _, err := pin.LoadLock(p.path)
	if err != nil {
		return nil, err
	}
	p.lock.Store(l)
	if fi, err := os.Stat(p.path); err == nil {
		p.stampMod, p.stampSize = fi.ModTime(), fi.Size()
	}
	return p, nil
}

func (p *pinState) on() bool { return p.mode != pin.ModeOff }

// enforced reports whether a mismatch is refused (strict, tofu).
func (p *pinState) enforced() bool { return p.mode == pin.ModeStrict || p.mode == pin.ModeTOFU }

func (p *pinState) current() *pin.Lock { return p.lock.Load() }

// hash is the definition's pin hash ("" when it cannot be hashed).
func (p *pinState) hash(kind string, def json.RawMessage) string {
	h, _ := p.cache.Hash(kind, def)
	return h
}

// ok reports whether (server, kind, name) may be shown and used: always
// when pins are not enforced, else only when it matches its pin.
func (p *pinState) ok(server, kind, name, hash string) bool {
	if !p.enforced() {
		return true
	}
	st, _ := p.current().Check(server, kind, name, hash)
	return st == pin.Pinned
}

// observe compares a listed definition with its pin and reports a
// mismatch once; in tofu mode a definition never pinned is pinned now.
func (p *pinState) observe(srv *server, kind, name string, def json.RawMessage, hash string) {
	if !p.on() || hash == "" {
		return
	}
	st, old := p.current().Check(srv.name, kind, name, hash)
	if st == pin.Pinned {
		return
	}
	// Trust on first use before the once-only report below: a listing that
	// runs at the same time must find the pin in place, not a duplicate
	// report and an unpinned (withheld) definition.
	if st == pin.Unpinned && p.mode == pin.ModeTOFU {
		added, err := p.trust(srv, kind, name, def, time.Now())
		switch {
		case err == nil && added:
			ev := systemEvent(TypePinTrusted, srv.name)
			ev.Tool = name
			ev.SchemaHash = hash
			ev.Detail = map[string]any{"kind": kind, "name": name, "hash": hash, "mode": string(p.mode)}
			_ = p.g.emit(context.Background(), ev)
			return
		case err == nil:
			return // pinned meanwhile with this hash
		case errors.Is(err, errPinnedOther):
			st, old = p.current().Check(srv.name, kind, name, hash)
		default:
			p.g.log.Error("pin: trust on first use failed", "server", srv.name, "kind", kind, "name", name, "err", err)
		}
	}
	key := srv.name + "\x00" + kind + "\x00" + name + "\x00" + hash
	if _, dup := p.seen.LoadOrStore(key, true); dup {
		return
	}
	now := time.Now()
	var pinned json.RawMessage
	if old != nil {
		pinned = old.Definition
	}
	ch := pin.Compare(kind, pinned, def)
	action := "reported"
	if p.enforced() {
		action = "withheld"
	}
	ev := systemEvent(TypePinMismatch, srv.name)
	ev.Tool = name
	ev.SchemaHash = hash
	ev.Decision = audit.Decision{Action: audit.ActionAllow}
	if p.enforced() {
		ev.Decision = audit.Decision{Action: "deny", Guard: "pin", Reason: st.String() + " definition withheld until approved"}
	}
	detail := map[string]any{"kind": kind, "name": name, "status": st.String(), "hash": hash, "severity": ch.Severity,
		"mode": string(p.mode), "action": action, "diff": ch.Diff}
	if old != nil {
		detail["pinned_hash"] = old.Hash
		detail["pinned_first_seen"] = old.FirstSeen.UTC().Format(time.RFC3339)
	}
	if len(ch.CapabilityWords) > 0 {
		detail["capability_words"] = ch.CapabilityWords
	}
	if len(ch.NewArguments) > 0 {
		detail["new_arguments"] = ch.NewArguments
	}
	if len(ch.RiskyArguments) > 0 {
		detail["risky_arguments"] = ch.RiskyArguments
	}
	if kind == pin.KindTool && p.g.scan != nil && p.g.scan.defs != "off" {
		// What the scanner makes of the new definition, for the reviewer.
		if fs := p.g.scan.definition(srv.name, def, hash); len(fs) > 0 {
			detail["scan"] = findingsDetail(fs)
			detail["scan_max_severity"] = scan.Max(fs).String()
			if scan.Max(fs) >= scan.High {
				detail["severity"] = "high"
			}
		}
	}
	ev.Detail = detail
	_ = p.g.emit(context.Background(), ev)
	p.g.log.Warn("pin: definition differs from its pin", "server", srv.name, "kind", kind, "name", name, "status", st.String(), "severity", ch.Severity, "action", action)
	if p.cands != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := p.cands.Put(ctx, &pin.Candidate{Server: srv.name, Kind: kind, Name: name, Hash: hash, Status: st.String(),
			Change: ch, SeenAt: now, Definition: def}); err != nil {
			p.g.log.Error("pin: recording the candidate failed", "err", err)
		}
	}
}

// errPinnedOther: a first sighting was pinned meanwhile with another
// definition.
var errPinnedOther = errors.New("pinned meanwhile with another definition")

// trust pins a first sighting (tofu) and writes the lockfile. added is
// false when the same definition was pinned meanwhile.
func (p *pinState) trust(srv *server, kind, name string, def json.RawMessage, now time.Time) (added bool, err error) {
	np, err := pin.NewPin(kind, def, "tofu", now)
	if err != nil {
		return false, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	l := p.current().Clone()
	if cur := l.Get(srv.name, kind, name); cur != nil {
		if cur.Hash == np.Hash {
			return false, nil
		}
		return false, errPinnedOther
	}
	l.Set(srv.name, kind, name, np)
	if sp := l.Servers[srv.name]; sp != nil && sp.Identity == (pin.Identity{}) {
		sp.Identity = srv.identity()
	}
	if err := l.Save(p.path); err != nil {
		return false, err
	}
	if fi, err := os.Stat(p.path); err == nil {
		p.stampMod, p.stampSize = fi.ModTime(), fi.Size()
	}
	p.lock.Store(l)
	return true, nil
}

// watch reloads the lockfile when it changes (mcpwarden pin approve, a
// git pull) and tells clients their lists may have changed.
func (p *pinState) watch(ctx context.Context) {
	if !p.on() {
		return
	}
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		fi, err := os.Stat(p.path)
		if err != nil {
			continue
		}
		p.mu.Lock()
		same := fi.ModTime().Equal(p.stampMod) && fi.Size() == p.stampSize
		p.mu.Unlock()
		if same {
			continue
		}
		l, _, err := pin.LoadLock(p.path)
		if err != nil {
			// A lockfile that cannot be read keeps the last good lock in
			// force (never an open door), and says so.
			p.g.log.Error("pin: lockfile not reloaded", "err", err)
			ev := systemEvent(audit.TypeConfigWarning, "")
			ev.Detail = map[string]any{"warning": "lockfile not reloaded: " + err.Error()}
			_ = p.g.emit(context.Background(), ev)
			p.mu.Lock()
			p.stampMod, p.stampSize = fi.ModTime(), fi.Size()
			p.mu.Unlock()
			continue
		}
		p.mu.Lock()
		p.stampMod, p.stampSize = fi.ModTime(), fi.Size()
		p.lock.Store(l)
		p.mu.Unlock()
		p.seen.Clear()
		p.g.log.Info("pin: lockfile reloaded", "path", p.path)
		for _, s := range p.g.servers {
			p.g.notifyListChanged(s, "")
		}
	}
}

// identity is what a lock records about how the server is reached and
// what it says it is.
func (s *server) identity() pin.Identity {
	id := pin.Identity{}
	if sc := s.cfg; sc != nil {
		if sc.Command != "" {
			id.Command = sc.Command
			for _, a := range sc.Args {
				id.Command += " " + a
			}
		}
		id.URL = sc.URL
	}
	s.mu.Lock()
	if s.initRes != nil {
		var info struct{ Name, Version string }
		_ = json.Unmarshal(s.initRes.ServerInfo, &info)
		id.Name, id.Version = info.Name, info.Version
	}
	s.mu.Unlock()
	return id
}

// ServerSnapshot is what one server lists now (for mcpwarden pin and scan).
type ServerSnapshot struct {
	Server       string
	Identity     pin.Identity
	Instructions string
	// Items are the definitions by kind (tool, prompt, template), in the
	// order the server listed them.
	Items map[string][]json.RawMessage
	// Err says why the server could not be listed (it is then incomplete).
	Err error
}

// Snapshot connects to every server (waiting up to its connect timeout)
// and lists its tools, prompts and resource templates directly, without
// guards: what the server offers, for pinning and scanning. Servers that
// are reached only with a user's credentials cannot be listed here.
func (g *Gateway) Snapshot(ctx context.Context) []ServerSnapshot {
	out := make([]ServerSnapshot, len(g.servers))
	var wg sync.WaitGroup
	for i, s := range g.servers {
		wg.Go(func() {
			snap := ServerSnapshot{Server: s.name, Items: map[string][]json.RawMessage{}}
			defer func() { out[i] = snap }()
			if s.perUser {
				snap.Err = errPerUser
				return
			}
			us, err := s.sharedSession(ctx)
			if err != nil {
				snap.Err = err
				return
			}
			snap.Identity = s.identity()
			if us.init != nil {
				snap.Instructions = us.init.Instructions
			}
			lctx, cancel := context.WithTimeout(ctx, s.timeout)
			defer cancel()
			for _, l := range listKinds {
				if l.kind == "resource" || !s.has(l.capability) {
					continue
				}
				cursor := ""
				for page := 0; page < maxPages; page++ {
					res, err := us.list(lctx, l.method, cursor)
					if err != nil {
						snap.Err = err
						return
					}
					snap.Items[l.kind] = append(snap.Items[l.kind], res.items(l.field)...)
					if res.NextCursor == "" {
						break
					}
					cursor = res.NextCursor
				}
			}
		})
	}
	wg.Wait()
	return out
}

var errPerUser = errorString("the server is reached only with each user's own credentials (servers.NAME.oauth): it cannot be listed without a user")

type errorString string

func (e errorString) Error() string { return string(e) }
