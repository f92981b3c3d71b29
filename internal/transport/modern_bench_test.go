package transport

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// BenchmarkProtocolCall measures one tools/call through the gateway (a
// real Go SDK 2025-11-25 upstream over HTTP on 127.0.0.1, raw HTTP POSTs
// with prepared bodies, so no client SDK is measured) from a 2025-11-25
// client (session) and from a 2026-07-28 client (stateless: header
// checks, virtual session lookup, result shaping). The last sub-benchmark
// reports modern/legacy as a ratio.
//
//	go test -run '^$' -bench BenchmarkProtocolCall -benchtime 2000x -count 5 ./internal/transport/
func BenchmarkProtocolCall(b *testing.B) {
	env := startGateway(b, HTTPOptions{}, "")
	legacy := newClient(b, env.URL)
	legacy.initialize("2025-11-25")
	legacyBody := callBody("2", "demo__echo", `{"message":"bench"}`)
	modernBody := `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"demo__echo","arguments":{"message":"bench"},` + testMeta + `}}`
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	run := func(b *testing.B, c *client, body string, hdr map[string]string) {
		ctx := context.Background()
		for i := 0; i < b.N; i++ {
			resp, err := hc.Do(c.request(ctx, http.MethodPost, body, hdr))
			if err != nil {
				b.Fatal(err)
			}
			out, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || !strings.Contains(string(out), "bench") {
				b.Fatalf("%d %s", resp.StatusCode, out)
			}
		}
	}
	var perOp = map[string]float64{}
	for _, c := range []struct {
		name string
		cl   *client
		body string
		hdr  map[string]string
	}{
		{"legacy", legacy, legacyBody, map[string]string{"Accept": "application/json"}},
		{"modern", newClient(b, env.URL), modernBody, func() map[string]string {
			h := modernHeaders("tools/call", "demo__echo")
			h["Accept"] = "application/json"
			return h
		}()},
	} {
		b.Run(c.name, func(b *testing.B) {
			run(b, c.cl, c.body, c.hdr) // warm
			b.ResetTimer()
			start := time.Now()
			run(b, c.cl, c.body, c.hdr)
			perOp[c.name] = float64(time.Since(start).Nanoseconds()) / float64(b.N)
		})
	}
	b.Run("ratio", func(b *testing.B) {
		if perOp["legacy"] > 0 {
			b.ReportMetric(perOp["modern"]/perOp["legacy"], "modern/legacy")
		}
	})
}
