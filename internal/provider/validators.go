package provider

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
)

// durationValidator accepts Go durations such as "10s" or "2m".
type durationValidator struct{}

func (durationValidator) Description(context.Context) string {
	return "must be a duration such as 10s or 2m"
}
func (v durationValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (durationValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	d, err := time.ParseDuration(req.ConfigValue.ValueString())
	if err != nil || d < 0 {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid duration",
			fmt.Sprintf("%q is not a duration: use a number with a unit, such as 10s, 1m30s or 2h.", req.ConfigValue.ValueString()))
	}
}

// configKeyValidator checks an Incus config key: no blanks, and none of the
// keys Incus manages itself (volatile.*, image.*), which it would overwrite.
type configKeyValidator struct{}

func (configKeyValidator) Description(context.Context) string {
	return "must be an Incus config key other than volatile.* and image.*"
}
func (v configKeyValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (configKeyValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	key := req.ConfigValue.ValueString()
	switch {
	case key == "" || strings.ContainsAny(key, " \t\n"):
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid config key", fmt.Sprintf("%q is not a config key: keys are non-empty and have no blanks.", key))
	case strings.HasPrefix(key, "volatile.") || strings.HasPrefix(key, "image."):
		resp.Diagnostics.AddAttributeError(req.Path, "Config key managed by Incus",
			fmt.Sprintf("%q is set by Incus itself (volatile.* and image.* keys); remove it from config.", key))
	}
}
