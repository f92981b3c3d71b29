package store

import (
	"context"
	"encoding/json"
	"runtime"
	"testing"

	"github.com/mcpwarden/mcpwarden/internal/audit"
)

func benchEvent() *audit.Event {
	return &audit.Event{
		Type:          audit.TypeToolsCall,
		CorrelationID: audit.NewCorrelationID(),
		SessionID:     "s-bench",
		Principal:     audit.Principal{Subject: "alice@example.com"},
		Transport:     audit.TransportStreamableHTTP,
		Server:        "github",
		Tool:          "create_issue",
		ExposedName:   "github__create_issue",
		Arguments:     json.RawMessage(`{"owner":"acme","repo":"web","title":"Fix login","body":"Steps to reproduce: open /login and submit"}`),
		Decision:      audit.Decision{Action: audit.ActionAllow},
		Status:        audit.Status{Outcome: audit.OutcomeOK},
		DurationMS:    12.5,
	}
}

// BenchmarkStoreSinkParallel: many goroutines each emitting one event and
// waiting for its commit, i.e. the gateway under concurrent tool calls.
// ns/op is per event; events/commit shows the grouping.
func BenchmarkStoreSinkParallel(b *testing.B) {
	for _, goroutines := range []int{1, 8, 32, 128} {
		b.Run("writers="+itoa(goroutines), func(b *testing.B) {
			s := openFile(b)
			k := AuditSink(s).(*auditSink)
			defer k.Close()
			ctx := context.Background()
			p := goroutines / runtime.GOMAXPROCS(0)
			if p < 1 {
				p = 1
			}
			b.SetParallelism(p)
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := k.Write(ctx, benchEvent()); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.StopTimer()
			if c := k.commits.Load(); c > 0 {
				b.ReportMetric(float64(k.written.Load())/float64(c), "events/commit")
			}
		})
	}
}

// BenchmarkStoreInsertEventsSerial is the baseline without group commit:
// one transaction per event.
func BenchmarkStoreInsertEventsSerial(b *testing.B) {
	s := openFile(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if err := s.InsertEvents(ctx, []*audit.Event{benchEvent()}); err != nil {
			b.Fatal(err)
		}
	}
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var d []byte
	for ; n > 0; n /= 10 {
		d = append([]byte{byte('0' + n%10)}, d...)
	}
	return string(d)
}
