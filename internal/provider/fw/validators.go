package fw

import (
	"context"
	"fmt"
	"regexp"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
)

// DurationValidator accepts Go durations such as "10s" or "2m".
type DurationValidator struct{}

func (DurationValidator) Description(context.Context) string {
	return "must be a duration such as 10s or 2m"
}
func (v DurationValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (DurationValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	d, err := time.ParseDuration(req.ConfigValue.ValueString())
	if err != nil || d < 0 {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid duration",
			fmt.Sprintf("%q is not a duration: use a number with a unit, such as 10s, 1m30s or 2h.", req.ConfigValue.ValueString()))
	}
}

// BlockNameValidator checks the name of an incus_remote or pikvm block, or
// an attribute that refers to one.
var BlockNameValidator = stringvalidator.RegexMatches(BlockNameRE, "must be a remote name: letters, digits, '.', '_' and '-'")

// BlockNameRE is the form of a remote or device name: letters, digits,
// '.', '_' and '-'.
var BlockNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)
