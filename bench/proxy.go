package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// runProxy is `bench proxy --listen ADDR --target URL`: the floor reference,
// a plain httputil.ReverseProxy hop that parses nothing. It streams SSE
// responses as they come (FlushInterval -1) and keeps as many idle
// upstream connections as the gateway's upstream client does.
func runProxy(args []string) error {
	fs := flag.NewFlagSet("proxy", flag.ExitOnError)
	listen := fs.String("listen", "127.0.0.1:0", "address to listen on")
	target := fs.String("target", "", "upstream base URL (e.g. http://127.0.0.1:3001)")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile here on exit")
	_ = fs.Parse(args)
	if *target == "" {
		return errors.New("proxy: --target is required")
	}
	u, err := url.Parse(*target)
	if err != nil {
		return fmt.Errorf("proxy: --target: %w", err)
	}
	stopProfile, err := startCPUProfile(*cpuprofile)
	if err != nil {
		return err
	}
	defer stopProfile()
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 256
	tr.IdleConnTimeout = 90 * time.Second
	rp := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(u)
		},
		Transport:     tr,
		FlushInterval: -1,
		ErrorLog:      log.New(os.Stderr, "proxy: ", log.LstdFlags),
	}
	srv := &http.Server{Addr: *listen, Handler: fullDuplex(rp), ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = srv.Shutdown(sctx)
	return nil
}

// fullDuplex lets a handler read the request body after it has begun to
// write the response. Without it net/http's HTTP/1 server closes the body
// as the response starts, and ReverseProxy's transport, which reads the
// body once more after copying it (to check it ended where its length
// said), finds it closed and drops the upstream connection in the middle
// of the answer: the floor lost 1-3 % of 64 KiB calls that way ("read
// error during body copy: use of closed network connection"; golang/go
// issue 40747).
func fullDuplex(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = http.NewResponseController(w).EnableFullDuplex()
		h.ServeHTTP(w, r)
	})
}
