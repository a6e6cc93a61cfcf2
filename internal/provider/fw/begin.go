package fw

import (
	"context"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/rackform/terraform-provider-rack/internal/clienterr"
)

// TimeoutFunc is one of the methods of a `timeouts` value
// (m.Timeouts.Create, m.Timeouts.Read, ...).
type TimeoutFunc func(ctx context.Context, fallback time.Duration) (time.Duration, diag.Diagnostics)

// Begin opens a CRUD method: it reads the step's timeout from the model's
// `timeouts` attribute (fallback when unset) and returns a context bounded
// by it, which the client packages turn into Timeout errors. Call cancel
// when the method returns.
func Begin(ctx context.Context, timeout TimeoutFunc, fallback time.Duration, diags *diag.Diagnostics) (context.Context, context.CancelFunc) {
	d, ds := timeout(ctx, fallback)
	diags.Append(ds...)
	return clienterr.WithTimeout(ctx, d)
}
