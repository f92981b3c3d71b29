package config

import (
	"strings"
	"testing"
	"time"
)

func TestStoreRetention(t *testing.T) {
	c, _ := mustParse(t, "servers: {a: {command: x}}\nstore:\n  retention: {max_age: 720h, max_size: 1GiB}\n")
	r := c.Store.Retention
	if r == nil || r.MaxAge.D() != 720*time.Hour || r.MaxSize.Bytes() != 1<<30 || r.AlertsMaxAge != r.MaxAge || r.Interval.D() != 5*time.Minute {
		t.Fatalf("retention: %+v", r)
	}
	c, _ = mustParse(t, "servers: {a: {command: x}}\nstore:\n  retention: {max_age: 24h, alerts_max_age: 2160h, max_size: 500MB, interval: 30s}\n")
	r = c.Store.Retention
	if r.AlertsMaxAge.D() != 2160*time.Hour || r.MaxSize.Bytes() != 500_000_000 || r.Interval.D() != 30*time.Second || r.MaxSize.String() != "477 MiB" {
		t.Fatalf("retention: %+v (%s)", r, r.MaxSize)
	}
	c, _ = mustParse(t, "servers: {a: {command: x}}\nstore:\n  retention: {max_size: 10485760}\n")
	if c.Store.Retention.MaxSize != 10<<20 || c.Store.Retention.MaxAge != 0 {
		t.Fatalf("bare byte count: %+v", c.Store.Retention)
	}
	if _, w := mustParse(t, "servers: {a: {command: x}}\naudit: {store: false, file: a.jsonl}\nstore:\n  retention: {max_age: 1h}\n"); len(w) == 0 || !strings.Contains(strings.Join(w, "\n"), "store.retention: audit.store is false") {
		t.Fatalf("warnings %q", w)
	}
	if c, _ := mustParse(t, "servers: {a: {command: x}}\n"); c.Store.Retention != nil {
		t.Fatal("retention without the key")
	}
	bad := map[string]string{
		"{max_size: lots}":                      `store.retention.max_size: invalid size "lots"`,
		"{max_size: 0}":                         "store.retention.max_size: must be greater than 0",
		"{max_size: 4KiB}":                      "store.retention.max_size: must be at least 1MiB",
		"{max_size: -5}":                        "store.retention.max_size: expected a non-negative integer",
		"{max_size: [1]}":                       `store.retention.max_size: expected a size such as "500MB"`,
		"{max_age: 720}":                        "store.retention.max_age: expected a duration with a unit",
		"{max_age: -1h}":                        "store.retention.max_age: must be greater than 0",
		"{max_age: 1h, alerts_max_age: 30m}":    "store.retention.alerts_max_age: must be at least store.retention.max_age (1h0m0s)",
		"{alerts_max_age: 30m, max_size: 1GiB}": "store.retention.alerts_max_age: requires store.retention.max_age",
		"{max_age: 1h, interval: 10ms}":         "store.retention.interval: must be at least 1s",
		"{}":                                    "store.retention: set max_age, max_size or both",
		"{max_age: 1h, max_sise: 1GiB}":         "max_sise",
	}
	for v, want := range bad {
		_, _, err := parse(t, "servers: {a: {command: x}}\nstore:\n  retention: "+v+"\n")
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want %q", v, err, want)
		}
	}
}
