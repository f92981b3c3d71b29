package gateway

import (
	"encoding/json"
	"slices"
	"strconv"
	"testing"

	"github.com/mcpwarden/mcpwarden/internal/demo"
	"github.com/mcpwarden/mcpwarden/internal/detect"
)

// The result's fingerprints are the same whether computed inline (small
// results) or on another goroutine (from parallelFingerprintBytes on), and
// nothing is computed when the rule is off.
func TestStartFingerprints(t *testing.T) {
	for _, n := range []int{200, parallelFingerprintBytes + 1, 64 << 10} {
		res := json.RawMessage(`{"content":[{"type":"text","text":` + strconv.Quote(demo.BenchText(n)+" account AC-99812734") + `}]}`)
		want := detect.ValueFingerprints(res)
		got, err := startFingerprints(true, res)()
		if err != nil || len(want) == 0 || !slices.Equal(got, want) {
			t.Fatalf("%d bytes: %v %v, want %v", n, got, err, want)
		}
		if got, err := startFingerprints(false, res)(); got != nil || err != nil {
			t.Fatalf("%d bytes, disabled: %v %v", n, got, err)
		}
	}
}
