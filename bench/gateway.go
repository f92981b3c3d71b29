package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	httppprof "net/http/pprof"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/mcpwarden/mcpwarden/internal/app"
	"github.com/mcpwarden/mcpwarden/internal/config"
)

// runGateway is `bench gateway --config FILE [--cpuprofile F] [--memprofile F]`:
// the gateway built from the internal packages with the same wiring as
// cmd/mcpwarden (serve), plus runtime/pprof, for profiling under the
// benchmark's load. Profiles are written on SIGTERM.
func runGateway(args []string) error {
	fs := flag.NewFlagSet("gateway", flag.ExitOnError)
	cfgPath := fs.String("config", "", "configuration file")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile here on exit")
	memprofile := fs.String("memprofile", "", "write a heap profile here on exit")
	mutexprofile := fs.String("mutexprofile", "", "write a mutex contention profile here on exit")
	blockprofile := fs.String("blockprofile", "", "write a blocking profile here on exit")
	pprofAddr := fs.String("pprof", "", "serve net/http/pprof on this loopback address (e.g. 127.0.0.1:6060)")
	noAudit := fs.Bool("no-audit", false, "diagnosis only: run without an audit logger (nothing is recorded)")
	_ = fs.Parse(args)
	if *cfgPath == "" {
		return errors.New("gateway: --config is required")
	}
	if *mutexprofile != "" {
		runtime.SetMutexProfileFraction(5)
	}
	if *blockprofile != "" {
		runtime.SetBlockProfileRate(int(10 * time.Microsecond))
	}
	stopProfile, err := startCPUProfile(*cpuprofile)
	if err != nil {
		return err
	}
	defer stopProfile()
	defer writeProfile("heap", *memprofile)
	defer writeProfile("mutex", *mutexprofile)
	defer writeProfile("block", *blockprofile)

	if *pprofAddr != "" {
		ps := &http.Server{Addr: *pprofAddr, Handler: pprofMux(), ReadHeaderTimeout: 10 * time.Second}
		go func() { _ = ps.ListenAndServe() }()
		defer ps.Close()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	cfg, warnings, err := config.Load(*cfgPath)
	if err != nil {
		return err
	}
	for _, w := range warnings {
		log.Warn(w)
	}
	// The same wiring as cmd/mcpwarden (internal/app).
	rt, err := app.Open(ctx, cfg, log, app.Options{Warnings: warnings, NoAudit: *noAudit})
	if err != nil {
		return err
	}
	defer rt.Close()
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return err
	}
	return rt.Serve(ctx, ln)
}

func pprofMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", httppprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", httppprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", httppprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", httppprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", httppprof.Trace)
	return mux
}

func startCPUProfile(path string) (func(), error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

func writeProfile(name, path string) {
	if path == "" {
		return
	}
	f, err := os.Create(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "profile:", err)
		return
	}
	defer f.Close()
	if name == "heap" {
		runtime.GC()
	}
	if p := pprof.Lookup(name); p != nil {
		_ = p.WriteTo(f, 0)
	}
}
