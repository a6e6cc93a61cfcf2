package fw

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/rackform/terraform-provider-rack/internal/clienterr"
)

// WarnIfInterrupted tells the user, when Terraform was interrupted (Ctrl-C)
// during this call, what became of the object: steps the server had
// accepted were finished and recorded, later steps were not started. now
// says what the object is now ("instance "web" exists and is Running").
func WarnIfInterrupted(ctx context.Context, diags *diag.Diagnostics, now string) {
	if !clienterr.Interrupted(ctx) {
		return
	}
	diags.AddWarning("Apply Interrupted",
		fmt.Sprintf("Terraform was interrupted. Steps the server had already accepted were finished, and no new step was started: %s. State records this; run apply again to finish.", now))
}
