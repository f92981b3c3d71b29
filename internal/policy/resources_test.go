package policy

import (
	"testing"

	"github.com/mcpwarden/mcpwarden/internal/guard"
)

func TestDecideResource(t *testing.T) {
	allow := []string{"file:///srv/data/**", "mem://notes/*"}
	for _, tc := range []struct {
		uri string
		ok  bool
	}{
		{"file:///srv/data/a.txt", true},
		{"file:///srv/data/deep/er/b.csv", true},
		{"FILE:///srv/data/a.txt", true},
		{"mem://notes/1", true},
		{"mem://notes/1/2", false},
		{"file:///srv/other/a.txt", false},
		{"file:///etc/passwd", false},
		{"file:///srv/data/../../etc/passwd", false},
		{"file:///srv/data/%2e%2e/%2e%2e/etc/passwd", false},
		{"file:///srv/data/%2E%2E/secret", false},
		{"file:///srv/data/%252e%252e/secret", false},
		{"file:///srv/data/..%2f..%2fetc/passwd", false},
		{"file:///srv/data\\..\\..\\etc\\passwd", false},
		{"file:///srv/data//etc/passwd", false},
		{"file:///srv/data/./a.txt", false},
		{"file:///srv/data/a.txt%00.png", false},
		{"http://evil/srv/data/a", false},
	} {
		d := DecideResource(allow, "fs", tc.uri)
		if (d.Action == guard.Allow) != tc.ok {
			t.Errorf("%s: %+v", tc.uri, d)
		}
	}
	// Without an allowlist only traversal is refused.
	if d := DecideResource(nil, "fs", "file:///anything/here"); d.Action != guard.Allow {
		t.Errorf("no allowlist: %+v", d)
	}
	if d := DecideResource(nil, "fs", "file:///srv/../etc/passwd"); d.Action != guard.Deny {
		t.Errorf("traversal without allowlist: %+v", d)
	}
}
