package transport

import (
	"testing"

	"github.com/mcpwarden/mcpwarden/internal/jsonrpc"
)

// A refused initialize becomes a 429 only for the rate-limit code.
func TestRateLimitedResponse(t *testing.T) {
	for _, tc := range []struct {
		resp string
		secs int
		ok   bool
	}{
		{`{"jsonrpc":"2.0","id":1,"error":{"code":-32019,"message":"rate_limited: sessions_per_client: x","data":{"guard":"ratelimit","retry_after_seconds":30}}}`, 30, true},
		{`{"jsonrpc":"2.0","id":1,"error":{"code":-32019,"message":"rate_limited"}}`, 1, true},
		{`{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"bad params"}}`, 0, false},
		{`{"jsonrpc":"2.0","id":1,"result":{}}`, 0, false},
		{`not json`, 0, false},
	} {
		secs, ok := rateLimited([]byte(tc.resp))
		if secs != tc.secs || ok != tc.ok {
			t.Errorf("%s: (%d, %v), want (%d, %v)", tc.resp, secs, ok, tc.secs, tc.ok)
		}
	}
	if jsonrpc.CodeRateLimited != -32019 {
		t.Fatal("the documented code is -32019")
	}
}
