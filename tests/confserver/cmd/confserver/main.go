// Command confserver runs the conformance fixture server (package
// confserver) over one of the MCP transports:
//
//	confserver                          # stdio (newline-delimited JSON-RPC)
//	confserver --http 127.0.0.1:0       # Streamable HTTP at http://ADDR/mcp
//	confserver --http 127.0.0.1:0 --sse # ... plus legacy HTTP+SSE at /sse
//	confserver --http 127.0.0.1:0 --stateless # MCP 2026-07-28 only, stateless
//
// With --http the server binds exactly the given address (port 0 picks a
// free port) and, once bound, prints "listening on HOST:PORT" (the real
// address) as the first line on stderr.
//
// Streamable HTTP (/mcp): stateful sessions (Mcp-Session-Id), SSE responses,
// stream resumption via an in-memory event store (GET + Last-Event-ID; the
// SDK sends priming events for protocol 2025-11-25), DELETE to end a session.
//
// With --stateless, /mcp is a 2026-07-28-only stateless server
// (StreamableHTTPOptions.Stateless, SupportedProtocolVersions
// ["2026-07-28"]): server/discover, per-request _meta, no sessions, GET and
// DELETE answered 405, subscriptions/listen for list changes, input-required
// results instead of server-to-client requests. This is what the conformance
// suite's 0.2 line (--requirements 2026-07-28) tests.
//
// Legacy HTTP+SSE (2024-11-05 transport, only with --sse): the client opens
// GET /sse, whose first event is "endpoint" with data "/sse?sessionid=ID";
// it then POSTs its JSON-RPC messages to that URL (same /sse path, session in
// the "sessionid" query parameter) and reads replies as "message" events on
// the GET stream.
//
// DNS-rebinding protection: the SDK's handlers reject (403) requests that
// reach a loopback listener with a non-loopback Host header. On top of that,
// both endpoints reject (403) requests to a loopback listener whose Origin
// header names a non-loopback host (spec: servers must validate Origin).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/mcpwarden/mcpwarden/tests/confserver"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Endpoint paths served with --http.
const (
	streamablePath = "/mcp"
	ssePath        = "/sse"
)

func main() {
	httpAddr := flag.String("http", "", "serve Streamable HTTP at http://ADDR"+streamablePath+" instead of stdio (e.g. 127.0.0.1:0)")
	sse := flag.Bool("sse", false, "with --http: also serve the legacy HTTP+SSE transport at "+ssePath+" (GET "+ssePath+", POST "+ssePath+"?sessionid=ID)")
	stateless := flag.Bool("stateless", false, "with --http: serve MCP 2026-07-28 only, statelessly (no sessions); the default is stateful sessions for 2025-11-25 and earlier")
	verbose := flag.Bool("v", false, "log SDK activity to stderr")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: %s [--http ADDR [--sse | --stateless]] [-v]\n", os.Args[0])
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() > 0 {
		flag.Usage()
		os.Exit(2)
	}
	if (*sse || *stateless) && *httpAddr == "" {
		fmt.Fprintln(os.Stderr, "confserver: --sse and --stateless need --http ADDR")
		os.Exit(2)
	}
	if *sse && *stateless {
		fmt.Fprintln(os.Stderr, "confserver: --sse (2024-11-05 sessions) and --stateless (2026-07-28) exclude each other")
		os.Exit(2)
	}

	var logger *slog.Logger
	if *verbose {
		logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	var err error
	if *httpAddr == "" {
		err = confserver.New().Run(ctx, &mcp.StdioTransport{})
		if errors.Is(err, context.Canceled) {
			err = nil
		}
	} else {
		err = serveHTTP(ctx, *httpAddr, mode{sse: *sse, stateless: *stateless}, logger)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "confserver: %v\n", err)
		os.Exit(1)
	}
}

// mode selects what --http serves.
type mode struct {
	sse       bool // also the legacy HTTP+SSE transport at /sse
	stateless bool // 2026-07-28 only, stateless, at /mcp
}

// newHandler returns the HTTP handler: Streamable HTTP at /mcp and, if
// m.sse is set, the legacy SSE transport at /sse, both backed by one server.
func newHandler(m mode, logger *slog.Logger) http.Handler {
	mux := http.NewServeMux()
	if m.stateless {
		server := confserver.NewForVersions("2026-07-28")
		mux.Handle(streamablePath, originGuard(mcp.NewStreamableHTTPHandler(
			func(*http.Request) *mcp.Server { return server },
			&mcp.StreamableHTTPOptions{Stateless: true, PropagateRequestCancellation: true, Logger: logger})))
		return mux
	}
	server := confserver.New()
	getServer := func(*http.Request) *mcp.Server { return server }
	mux.Handle(streamablePath, originGuard(mcp.NewStreamableHTTPHandler(getServer, &mcp.StreamableHTTPOptions{
		// Resumability: events are kept so a client can reconnect with
		// Last-Event-ID (also what test_reconnection relies on).
		EventStore: mcp.NewMemoryEventStore(nil),
		Logger:     logger,
	})))
	if m.sse {
		mux.Handle(ssePath, originGuard(mcp.NewSSEHandler(getServer, nil)))
	}
	return mux
}

func serveHTTP(ctx context.Context, addr string, m mode, logger *slog.Logger) error {
	handler := newHandler(m, logger)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	bound := ln.Addr().String()
	fmt.Fprintf(os.Stderr, "listening on %s\n", bound)
	fmt.Fprintf(os.Stderr, "confserver: streamable HTTP at http://%s%s\n", bound, streamablePath)
	if m.stateless {
		fmt.Fprintln(os.Stderr, "confserver: stateless, protocol 2026-07-28 only")
	}
	if m.sse {
		fmt.Fprintf(os.Stderr, "confserver: legacy SSE at http://%s%s\n", bound, ssePath)
	}

	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	// SSE streams hang until the client leaves; give them a moment, then cut.
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		srv.Close()
	}
	return nil
}

// originGuard rejects, with 403, requests that arrived on a loopback address
// and carry an Origin header whose host is not a loopback host. This
// complements the SDK's own Host-header check (same loopback condition).
func originGuard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if origin := r.Header.Get("Origin"); origin != "" && onLoopbackListener(r) && !loopbackOrigin(origin) {
			http.Error(w, fmt.Sprintf("Forbidden: invalid Origin header %q", origin), http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func onLoopbackListener(r *http.Request) bool {
	a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
	if !ok || a == nil {
		return false
	}
	ap, err := netip.ParseAddrPort(a.String())
	return err == nil && ap.Addr().Unmap().IsLoopback()
}

func loopbackOrigin(origin string) bool {
	u, err := url.Parse(origin)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return false
	}
	host := strings.ToLower(u.Hostname())
	if host == "localhost" {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}
