package fw

import (
	"context"
	"fmt"
	"regexp"
	"strings"
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

// StoredAsWritten checks that a text is written the way the server stores
// it, for servers that trim what they are sent (incusd trims an ACL rule's
// fields and a forward's descriptions, and the spaces around the commas of
// a list). Written otherwise, what is read back after the apply would
// differ from the plan, which Terraform reports as a provider bug; the
// plan says what to write instead. List: the value is a comma-separated
// list, each item trimmed.
type StoredAsWritten struct{ List bool }

func (v StoredAsWritten) Description(context.Context) string {
	if v.List {
		return "a comma-separated list without spaces around its items"
	}
	return "no white space at the start or end"
}

func (v StoredAsWritten) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v StoredAsWritten) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	got := req.ConfigValue.ValueString()
	want := strings.TrimSpace(got)
	if v.List {
		items := strings.Split(got, ",")
		for i, item := range items {
			items[i] = strings.TrimSpace(item)
		}
		want = strings.Join(items, ",")
	}
	if got != want {
		resp.Diagnostics.AddAttributeError(req.Path, "Value Incus Would Change",
			fmt.Sprintf("Incus stores %q as %q (it removes the spaces%s). Write %q, so that what Terraform reads back matches the configuration.",
				got, want, map[bool]string{true: " around the list's items", false: " at the start and end"}[v.List], want))
	}
}
