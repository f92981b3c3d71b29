package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/mcpwarden/mcpwarden/internal/config"
	"github.com/mcpwarden/mcpwarden/internal/pin"
	"github.com/mcpwarden/mcpwarden/internal/secrets"
	"github.com/mcpwarden/mcpwarden/internal/store"
)

// Doctor verdicts.
const (
	verdictPass = "pass"
	verdictWarn = "warn"
	verdictFail = "fail"
)

// finding is one line of the doctor's report.
type finding struct {
	Verdict string `json:"verdict"`
	Check   string `json:"check"`
	Detail  string `json:"detail"`
}

type doctorReport struct {
	list []finding
}

func (r *doctorReport) add(verdict, check, format string, args ...any) {
	r.list = append(r.list, finding{Verdict: verdict, Check: check, Detail: fmt.Sprintf(format, args...)})
}

func (r *doctorReport) count(verdict string) int {
	n := 0
	for _, f := range r.list {
		if f.Verdict == verdict {
			n++
		}
	}
	return n
}

func doctorCmd(cfgPath *string) *cobra.Command {
	var format string
	var noConnect bool
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Check this host and the configuration: sandbox support, listen address vs authentication, secrets, store, audit, upstreams, pins",
		Long: `doctor prints one pass/warn/fail line per check and exits 1 when any check
fails, so it can run in CI. It connects to every configured upstream (as pin
does) unless --no-connect is given.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "table" && format != "json" {
				return exitError{code: 2, msg: fmt.Sprintf("--format: %q is not table or json", format)}
			}
			r := &doctorReport{}
			runDoctor(cmd.Context(), *cfgPath, !noConnect, r, cmd.ErrOrStderr())
			out := cmd.OutOrStdout()
			if format == "json" {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				_ = enc.Encode(map[string]any{"checks": r.list, "pass": r.count(verdictPass), "warn": r.count(verdictWarn), "fail": r.count(verdictFail)})
			} else {
				tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
				for _, f := range r.list {
					fmt.Fprintf(tw, "%s\t%s\t%s\n", strings.ToUpper(f.Verdict), f.Check, f.Detail)
				}
				_ = tw.Flush()
				fmt.Fprintf(out, "%d pass, %d warn, %d fail\n", r.count(verdictPass), r.count(verdictWarn), r.count(verdictFail))
			}
			if n := r.count(verdictFail); n > 0 {
				return exitError{code: 1, msg: fmt.Sprintf("%d check(s) failed", n)}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&format, "format", "table", "output: table or json")
	cmd.Flags().BoolVar(&noConnect, "no-connect", false, "do not start or connect to the upstreams")
	return cmd
}

func runDoctor(ctx context.Context, cfgPath string, connect bool, r *doctorReport, stderr io.Writer) {
	cfg, warnings, err := loadConfig(cfgPath)
	if err != nil {
		r.add(verdictFail, "config", "%v", err)
		return
	}
	r.add(verdictPass, "config", "%s: %d server(s)", cfgPath, cfg.Servers.Len())
	for _, w := range warnings {
		r.add(verdictWarn, "config", "%s", w)
	}

	// The host's sandbox support, and what each stdio server runs in.
	doctorSandbox(cfg, r)

	// Listen address vs authentication.
	loopback := config.IsLoopbackListen(cfg.Listen)
	switch {
	case !loopback && !cfg.Authenticated():
		r.add(verdictFail, "listen", "%s is not a loopback address and requests are not authenticated (auth:, or tls.principals); serve refuses this", cfg.Listen)
	case !loopback && cfg.TLS == nil:
		r.add(verdictWarn, "listen", "%s is reachable from other machines without TLS: bearer tokens cross the network in clear unless a TLS proxy is in front", cfg.Listen)
	case !loopback:
		r.add(verdictPass, "listen", "%s: authenticated, TLS", cfg.Listen)
	case cfg.Authenticated():
		r.add(verdictPass, "listen", "%s (loopback), authenticated", cfg.Listen)
	default:
		r.add(verdictPass, "listen", "%s (loopback): only this machine can connect; no authentication configured", cfg.Listen)
	}

	// Secrets: every reference resolves (Vault read).
	if m, err := secrets.New(cfg, nil); err != nil {
		r.add(verdictFail, "secrets", "%v", err)
	} else {
		refs := cfg.References()
		bad := 0
		for _, ref := range refs {
			if _, err := m.ResolveRef(ref.Value); err != nil {
				bad++
				r.add(verdictFail, "secrets", "%s: %v", ref.Path, err)
			}
		}
		if bad == 0 {
			r.add(verdictPass, "secrets", "%d reference(s) resolve", len(refs))
		}
	}

	// Store and audit destinations.
	if dir := filepath.Dir(cfg.Store.Path); cfg.Store.Path != ":memory:" {
		if st, err := store.Open(cfg.Store.Path); err != nil {
			r.add(verdictFail, "store", "%s: %v", cfg.Store.Path, err)
		} else {
			_ = st.Close()
			r.add(verdictPass, "store", "%s opens (WAL) in %s", filepath.Base(cfg.Store.Path), dir)
		}
	}
	storeOn := cfg.Audit.Store == nil || *cfg.Audit.Store
	switch f := cfg.Audit.File; {
	case f == "" && !storeOn:
		r.add(verdictFail, "audit", "no audit destination: audit.file is not set and audit.store is false")
	case f == "":
		r.add(verdictWarn, "audit", "events go to the store only; set audit.file to keep a JSON-lines trail a SIEM can ship")
	case f == config.StdoutFile:
		r.add(verdictPass, "audit", "events to standard output and %s", map[bool]string{true: "the store", false: "nowhere else"}[storeOn])
	default:
		if fh, err := os.OpenFile(f, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600); err != nil {
			r.add(verdictFail, "audit", "audit.file %s: %v", f, err)
		} else {
			_ = fh.Close()
			r.add(verdictPass, "audit", "audit.file %s is writable", f)
		}
	}

	// Upstreams and pins.
	lock, exists, lerr := pin.LoadLock(cfg.Pin.Lockfile)
	mode := config.PinOff
	if cfg.Pin != nil {
		mode = cfg.Pin.Mode
	}
	switch {
	case lerr != nil:
		r.add(verdictFail, "pins", "%s: %v", cfg.Pin.Lockfile, lerr)
	case mode == config.PinOff:
		r.add(verdictWarn, "pins", "pin.mode is off: a changed tool definition (rug pull) is not caught; run mcpwarden pin and set pin.mode: strict")
	case !exists:
		r.add(verdictWarn, "pins", "pin.mode %s but %s does not exist yet: run mcpwarden pin", mode, cfg.Pin.Lockfile)
	}
	if !connect {
		return
	}
	cctx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	snaps, err := snapshot(cctx, cfg, stderr)
	if err != nil {
		r.add(verdictFail, "upstreams", "%v", err)
		return
	}
	for _, s := range snaps {
		if s.Err != nil {
			r.add(verdictFail, "upstream "+s.Server, "unreachable: %v", s.Err)
			continue
		}
		r.add(verdictPass, "upstream "+s.Server, "answered: %d tool(s)", len(s.Items[pin.KindTool]))
	}
	if lerr == nil && exists {
		cur, _, err := lockFrom(lock, snaps, "doctor", time.Now())
		if err != nil {
			r.add(verdictFail, "pins", "%v", err)
			return
		}
		if d := drift(lock, cur); len(d) > 0 {
			r.add(verdictWarn, "pins", "%d difference(s) from %s (first: %s); review with mcpwarden pin --check", len(d), cfg.Pin.Lockfile, firstLine(d[0]))
		} else {
			r.add(verdictPass, "pins", "every server matches %s", cfg.Pin.Lockfile)
		}
	}
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
