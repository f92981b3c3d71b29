package upstream

import (
	"context"
	"errors"

	"github.com/mcpwarden/mcpwarden/internal/jsonrpc"
)

// Credentials give an HTTP upstream session its bearer token, per owner
// (the principal whose client session the upstream session serves): the
// gateway's own credential for that user at that server, never the
// client's token. Implementations are the per-user OAuth broker and token
// exchange.
type Credentials interface {
	// Token returns the access token for owner's requests to the server
	// ("" to send none), or an error that tells the client what to do
	// (see RPCError).
	Token(ctx context.Context, owner any) (string, error)
	// Refused is told that the server answered 401 or 403 with the given
	// WWW-Authenticate challenge; it returns the error for the caller (and
	// may drop the token, or note a scope to ask for).
	Refused(ctx context.Context, owner any, status int, challenge string) error
}

type ownerKey struct{}

// WithOwner returns ctx naming the owner of the session about to be dialed.
func WithOwner(ctx context.Context, owner any) context.Context {
	return context.WithValue(ctx, ownerKey{}, owner)
}

// OwnerFrom returns the owner set by WithOwner (nil for the gateway's own
// sessions).
func OwnerFrom(ctx context.Context) any { return ctx.Value(ownerKey{}) }

// RPCError is an error that carries the JSON-RPC error the client should
// get (for example "authorization required" with a URL to open).
type RPCError interface {
	error
	RPCError() *jsonrpc.Error
}

// AsRPCError finds an RPCError in err's chain.
func AsRPCError(err error) (*jsonrpc.Error, bool) {
	var re RPCError
	if errors.As(err, &re) {
		return re.RPCError(), true
	}
	return nil, false
}

// ClientError carries a JSON-RPC error the upstream path produced for the
// client (for example while a session was being set up).
type ClientError struct{ E *jsonrpc.Error }

func (e *ClientError) Error() string            { return e.E.Message }
func (e *ClientError) RPCError() *jsonrpc.Error { return e.E }
