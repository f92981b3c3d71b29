package guard

import (
	"context"
	"testing"
)

type fn struct {
	name string
	f    func(*Call) Decision
}

func (g fn) Name() string                              { return g.name }
func (g fn) Check(_ context.Context, c *Call) Decision { return g.f(c) }

func TestChain(t *testing.T) {
	allow := fn{"a", func(*Call) Decision { return Allowed }}
	deny := fn{"d", func(*Call) Decision { return Decision{Action: Deny, Reason: "no"} }}
	hold := fn{"h", func(*Call) Decision { return Decision{Action: Hold, Reason: "ask"} }}
	boom := fn{"p", func(*Call) Decision { panic("boom") }}
	cases := []struct {
		name  string
		chain Chain
		want  Action
		guard string
	}{
		{"empty allows", Chain{}, Allow, ""},
		{"all allow", Chain{allow, allow}, Allow, ""},
		{"deny wins", Chain{allow, deny, hold}, Deny, "d"},
		{"hold first", Chain{hold, deny}, Hold, "h"},
		{"panic denies", Chain{allow, boom, allow}, Deny, "p"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := tc.chain.Decide(context.Background(), &Call{Method: "tools/call"})
			if d.Action != tc.want || d.Guard != tc.guard {
				t.Fatalf("got %v/%q want %v/%q", d.Action, d.Guard, tc.want, tc.guard)
			}
		})
	}
}

func BenchmarkChain(b *testing.B) {
	ch := Chain{fn{"a", func(*Call) Decision { return Allowed }}, fn{"b", func(*Call) Decision { return Allowed }}}
	c := &Call{Method: "tools/call", Server: "ev", Name: "echo"}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		_ = ch.Decide(ctx, c)
	}
}
