package audit

import (
	"bufio"
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// The example lines in docs/audit-events.md must be exactly what this
// package writes for them.
func TestDocExamplesRoundTrip(t *testing.T) {
	f, err := os.Open("../../docs/audit-events.md")
	if err != nil {
		t.Fatal("docs/audit-events.md must exist beside the code:", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	n := 0
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, `{"schema_version"`) {
			continue
		}
		n++
		var ev Event
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("example %d does not decode: %v", n, err)
		}
		got, err := MarshalEvent(&ev, nil)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != line {
			t.Errorf("example %d differs from the encoding:\n doc %s\ngot %s", n, line, got)
		}
		if ev.ContainsBase64 != ContainsBase64(ev.Arguments) {
			t.Errorf("example %d: contains_base64=%v but ContainsBase64=%v", n, ev.ContainsBase64, !ev.ContainsBase64)
		}
	}
	if n < 5 {
		t.Fatalf("found %d examples, want >= 5", n)
	}
}
