// Command mcpwarden is a security gateway for MCP: it sits between MCP
// clients and MCP servers, presents the servers as one, and checks, routes
// and records every call.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/mcpwarden/mcpwarden/internal/app"
	"github.com/mcpwarden/mcpwarden/internal/config"
	"github.com/mcpwarden/mcpwarden/internal/demo"
	"github.com/mcpwarden/mcpwarden/internal/gateway"
	"github.com/mcpwarden/mcpwarden/internal/secrets"
	"github.com/mcpwarden/mcpwarden/internal/transport"
)

func main() {
	if err := newRoot().Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "mcpwarden:", err)
		var ee exitError
		if errors.As(err, &ee) {
			os.Exit(ee.code)
		}
		os.Exit(1)
	}
}

func newRoot() *cobra.Command {
	root := &cobra.Command{
		Use:           "mcpwarden",
		Short:         "A security gateway for MCP (Model Context Protocol)",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	var cfgPath, logLevel string
	root.PersistentFlags().StringVarP(&cfgPath, "config", "c", "", "configuration file (default: the embedded example configuration)")
	root.PersistentFlags().StringVar(&logLevel, "log-level", "info", "log level: debug, info, warn, error")

	serve := &cobra.Command{
		Use:   "serve",
		Short: "Serve MCP over Streamable HTTP (default http://127.0.0.1:8931/mcp)",
		RunE: func(cmd *cobra.Command, args []string) error {
			return runServe(cmd.Context(), cfgPath, logLevel)
		},
	}
	stdio := &cobra.Command{
		Use:   "stdio",
		Short: "Serve one MCP client on stdin/stdout (for an IDE's MCP configuration)",
		RunE: func(cmd *cobra.Command, args []string) error {
			return runStdio(cmd.Context(), cfgPath, logLevel)
		},
	}
	check := &cobra.Command{
		Use:   "check",
		Short: "Validate the configuration file and print its warnings",
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, warnings, err := loadConfig(cfgPath)
			for _, w := range warnings {
				fmt.Fprintln(cmd.ErrOrStderr(), "warning:", w)
			}
			if err != nil {
				return err
			}
			// What serve would refuse at startup, checked here too.
			problems := startupProblems(cfg)
			if !config.IsLoopbackListen(cfg.Listen) && !cfg.Authenticated() {
				problems = append(problems, fmt.Sprintf("listen: %s is not a loopback address; serve refuses it unless requests are authenticated (auth:, or tls.principals with client certificates)", cfg.Listen))
			}
			if len(problems) > 0 {
				return errors.New(strings.Join(problems, "\n"))
			}
			fmt.Fprintf(cmd.OutOrStdout(), "configuration OK: %d server(s): %v\n", cfg.Servers.Len(), cfg.ServerNames())
			return nil
		},
	}
	var demoHTTP string
	var demoSSE bool
	var demoName string
	var demoRugPull int
	var demoPoisoned bool
	var demoExtra []string
	var demoBench bool
	demoCmd := &cobra.Command{
		Use:    "demo-server",
		Short:  "Run the built-in demo MCP server (stdio, or HTTP with --http)",
		Hidden: false,
		RunE: func(cmd *cobra.Command, args []string) error {
			o := demo.Options{Name: demoName, RugPullAfter: demoRugPull, Poisoned: demoPoisoned, ExtraTools: demoExtra, BenchTools: demoBench}
			if demoHTTP == "" {
				return demo.ServeStdio(cmd.Context(), o)
			}
			h := demo.HTTPHandler(o)
			if demoSSE {
				h = demo.SSEHandler(o)
			}
			srv := &http.Server{Addr: demoHTTP, Handler: h, ReadHeaderTimeout: 10 * time.Second}
			return srv.ListenAndServe()
		},
	}
	demoCmd.Flags().StringVar(&demoHTTP, "http", "", "serve Streamable HTTP on this address (e.g. 127.0.0.1:3001) instead of stdio")
	demoCmd.Flags().BoolVar(&demoSSE, "sse", false, "with --http: speak the 2024-11-05 HTTP+SSE transport")
	demoCmd.Flags().StringVar(&demoName, "name", "", "server name")
	demoCmd.Flags().BoolVar(&demoPoisoned, "poisoned", false, "add a tool whose description hides an instruction (for scanner tests)")
	demoCmd.Flags().BoolVar(&demoBench, "bench-tools", false, "add the report tool (a plain-text result of the requested size; for benchmarks)")
	demoCmd.Flags().StringArrayVar(&demoExtra, "extra-tool", nil, "add a no-op tool of this name (repeatable; for collision tests)")
	demoCmd.Flags().IntVar(&demoRugPull, "rug-pull", 0, "after this many tool calls, replace echo by a poisoned definition and send tools/list_changed (for pinning tests)")
	version := &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Run: func(cmd *cobra.Command, args []string) {
			fmt.Fprintln(cmd.OutOrStdout(), "mcpwarden", gateway.Version)
		},
	}
	root.AddCommand(serve, stdio, check, demoCmd, version, policyCmd(&cfgPath), explainCmd(&cfgPath), initCmd(), approvalsCmd(&cfgPath), pinCmd(&cfgPath), scanCmd(&cfgPath), rulesCmd(), eventsCmd(&cfgPath), doctorCmd(&cfgPath), importCmd(&cfgPath))
	root.AddCommand(sandboxCmds()...)
	root.AddCommand(auditCmd(&cfgPath), vetCmd(&cfgPath))
	return root
}

func loadConfig(path string) (*config.Config, []string, error) {
	if path == "" {
		return config.Default()
	}
	return config.Load(path)
}

func newLogger(level string, w io.Writer) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level: %w", err)
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l})), nil
}

func setup(ctx context.Context, cfgPath, logLevel string, stdioMode bool) (*app.Runtime, error) {
	log, err := newLogger(logLevel, os.Stderr)
	if err != nil {
		return nil, err
	}
	cfg, warnings, err := loadConfig(cfgPath)
	if err != nil {
		return nil, err
	}
	if cfgPath == "" {
		log.Info("no --config given: running the embedded example configuration (a built-in demo server)")
	}
	for _, w := range warnings {
		log.Warn(w)
	}
	return app.Open(ctx, cfg, log, app.Options{StdioMode: stdioMode, Warnings: warnings})
}

func signalContext(parent context.Context) (context.Context, context.CancelFunc) {
	if parent == nil {
		parent = context.Background()
	}
	return signal.NotifyContext(parent, os.Interrupt, syscall.SIGTERM)
}

// defaultGCPercent is the garbage collector's target for a running
// gateway when GOGC is not set: twice Go's default. A gateway's live heap is
// small while every large message it relays is garbage at once, so at 100
// it collects every few dozen large calls; at 200 it collects half as often
// (about a fifth less CPU per 64 KiB call in bench/) for a larger peak heap.
// GOGC and GOMEMLIMIT in the environment take precedence.
const defaultGCPercent = 200

func setGCDefault() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(defaultGCPercent)
	}
}

func runServe(parent context.Context, cfgPath, logLevel string) error {
	setGCDefault()
	ctx, stop := signalContext(parent)
	defer stop()
	// MCPWARDEN_CPUPROFILE=FILE profiles the gateway until it stops (for
	// the benchmarks in bench/).
	if f := os.Getenv("MCPWARDEN_CPUPROFILE"); f != "" {
		if out, err := os.Create(f); err == nil && pprof.StartCPUProfile(out) == nil {
			defer func() { pprof.StopCPUProfile(); out.Close() }()
		}
	}
	// Check the listener before starting anything.
	cfg, _, err := loadConfig(cfgPath)
	if err != nil {
		return err
	}
	loopback := config.IsLoopbackListen(cfg.Listen)
	if !loopback && !cfg.Authenticated() {
		return fmt.Errorf("listen: %s is not a loopback address; serving beyond this machine requires authentication (auth:, or tls.principals with client certificates); use 127.0.0.1", cfg.Listen)
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	rt, err := setup(ctx, cfgPath, logLevel, false)
	if err != nil {
		ln.Close()
		return err
	}
	defer rt.Close()
	defer onHUP(rt)()
	return rt.Serve(ctx, ln)
}

// onHUP refreshes the secrets on SIGHUP (sessions stay up); the returned
// function stops listening.
func onHUP(rt *app.Runtime) func() {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-hup:
				rt.Log.Info("SIGHUP: refreshing secrets")
				rt.RefreshSecrets()
			case <-done:
				return
			}
		}
	}()
	return func() { signal.Stop(hup); close(done) }
}

func runStdio(parent context.Context, cfgPath, logLevel string) error {
	setGCDefault()
	ctx, stop := signalContext(parent)
	defer stop()
	rt, err := setup(ctx, cfgPath, logLevel, true)
	if err != nil {
		return err
	}
	defer rt.Close()
	defer onHUP(rt)()
	stopAdmin, err := rt.ServeAdmin(nil) // metrics in stdio mode too
	if err != nil {
		return err
	}
	defer stopAdmin()
	return transport.ServeStdio(ctx, rt.Gateway, os.Stdin, os.Stdout, transport.StdioOptions{MaxMessageBytes: int(rt.Cfg.MaxBodyBytes), Logger: rt.Log})
}

// startupProblems are what serve would fail on at startup beyond the
// file itself: references that do not resolve and files that cannot be
// read (keys, certificates).
func startupProblems(cfg *config.Config) []string {
	var out []string
	// Every reference, vault: ones read from Vault.
	m, err := secrets.New(cfg, nil)
	if err != nil {
		return []string{err.Error()}
	}
	for _, r := range cfg.References() {
		if _, err := m.ResolveRef(r.Value); err != nil {
			out = append(out, fmt.Sprintf("%s: %v", r.Path, err))
		}
	}
	file := func(path, f string) {
		if f == "" {
			return
		}
		if _, err := os.ReadFile(f); err != nil {
			out = append(out, fmt.Sprintf("%s: %v", path, err))
		}
	}
	if a := cfg.Auth; a != nil {
		for _, id := range a.Clients.Keys {
			if c := a.Clients.Values[id]; c != nil {
				file("auth.clients."+id+".jwks_file", c.JWKSFile)
			}
		}
	}
	if t := cfg.TLS; t != nil {
		file("tls.cert_file", t.CertFile)
		file("tls.key_file", t.KeyFile)
		file("tls.client_ca_file", t.ClientCAFile)
	}
	for _, name := range cfg.ServerNames() {
		sc, _ := cfg.Servers.Get(name)
		if t := sc.TLS; t != nil {
			file("servers."+name+".tls.ca_file", t.CAFile)
			file("servers."+name+".tls.cert_file", t.CertFile)
			file("servers."+name+".tls.key_file", t.KeyFile)
		}
	}
	return out
}
