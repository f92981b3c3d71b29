package transport

import (
	"bytes"
	"testing"
)

// writeEvent writes each line of the data as one data field, a CR before
// a newline dropped, the way the SSE format wants; what it writes is
// checked against the definition (split on newlines) for inputs of every
// shape, a large one among them.
func FuzzWriteEvent(f *testing.F) {
	for _, s := range []string{"", "{}", "a\nb", "a\r\nb\n", "\n", "\n\n", "x\r", string(bytes.Repeat([]byte("{\"k\":1}\n"), 9000))} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var got, want bytes.Buffer
		writeEvent(&got, "s", sseEvent{seq: 3, data: data})
		want.WriteString("id: s_3\nevent: message\n")
		for _, line := range bytes.Split(data, []byte("\n")) {
			want.WriteString("data: ")
			want.Write(bytes.TrimRight(line, "\r"))
			want.WriteByte('\n')
		}
		want.WriteByte('\n')
		if !bytes.Equal(got.Bytes(), want.Bytes()) {
			t.Fatalf("writeEvent(%q) = %q, want %q", data, got.Bytes(), want.Bytes())
		}
	})
}
