package gateway

import (
	"encoding/json"
	"slices"
	"strconv"
	"testing"

	"github.com/mcpwarden/mcpwarden/internal/demo"
	"github.com/mcpwarden/mcpwarden/internal/detect"
)

// The result's fingerprints as the gateway computes them (in line for
// small results, behind the answer from fingerprintsBehindMin on) are
// detect's.
func TestFingerprints(t *testing.T) {
	for _, n := range []int{200, fingerprintsBehindMin + 1, 64 << 10} {
		res := json.RawMessage(`{"content":[{"type":"text","text":` + strconv.Quote(demo.BenchText(n)+" account AC-99812734") + `}]}`)
		want := detect.ValueFingerprints(res)
		got, err := fingerprints(res)
		if err != nil || len(want) == 0 || !slices.Equal(got, want) {
			t.Fatalf("%d bytes: %v %v, want %v", n, got, err, want)
		}
	}
}
