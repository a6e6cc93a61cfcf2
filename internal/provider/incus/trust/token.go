package trust

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/rackform/terraform-provider-rack/internal/incus"
	"github.com/rackform/terraform-provider-rack/internal/provider/fw"
	"github.com/rackform/terraform-provider-rack/internal/provider/incus/incusattr"
	"github.com/rackform/terraform-provider-rack/internal/provider/providerdata"
)

// tokenModel is rack_incus_trust_token: its configuration and what Open
// returns. Nothing of it reaches plan or state (Terraform keeps ephemeral
// values in memory only).
type tokenModel struct {
	Remote      types.String      `tfsdk:"remote"`
	ClientName  types.String      `tfsdk:"client_name"`
	Projects    types.Set         `tfsdk:"projects"`
	Restricted  types.Bool        `tfsdk:"restricted"`
	ExpiresIn   types.String      `tfsdk:"expires_in"`
	Token       types.String      `tfsdk:"token"`
	ExpiresAt   timetypes.RFC3339 `tfsdk:"expires_at"`
	OperationID types.String      `tfsdk:"operation_id"`
}

// tokenPrivate is what Close needs to revoke the token: where it is, and
// the operation that stands for it.
type tokenPrivate struct {
	Remote      string `json:"remote"`
	OperationID string `json:"operation_id"`
}

const tokenPrivateKey = "token"

// opened are the tokens this process opened, by operation ID: Close
// revokes a token through the provider configuration that opened it,
// whichever configuration the process holds by then (one process may serve
// several configurations of the provider).
var opened sync.Map // operation ID -> *openToken

// openToken is a token opened by this process: the client that opened it,
// and the timer that revokes it at expires_in (nil without one).
type openToken struct {
	client *incus.Client
	expiry *time.Timer
}

// tokenTimeout bounds the token request and its revocation.
const tokenTimeout = 2 * time.Minute

type tokenResource struct{ data *providerdata.Data }

var (
	_ ephemeral.EphemeralResourceWithConfigure = (*tokenResource)(nil)
	_ ephemeral.EphemeralResourceWithClose     = (*tokenResource)(nil)
)

// NewTrustTokenEphemeralResource is the ephemeral rack_incus_trust_token.
func NewTrustTokenEphemeralResource() ephemeral.EphemeralResource { return &tokenResource{} }

func (r *tokenResource) Metadata(_ context.Context, req ephemeral.MetadataRequest, resp *ephemeral.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_incus_trust_token"
}

func (r *tokenResource) Configure(_ context.Context, req ephemeral.ConfigureRequest, resp *ephemeral.ConfigureResponse) {
	r.data = providerdata.From(req.ProviderData, &resp.Diagnostics)
}

func (r *tokenResource) Schema(_ context.Context, _ ephemeral.SchemaRequest, resp *ephemeral.SchemaResponse) {
	resp.Schema = schema.Schema{
		Description: "A one-time trust token of an Incus server (`incus config trust add <client_name>`), opened for the length of one Terraform run (Terraform 1.10 or later): " +
			"a new client that presents it (`incus remote add <server> <token>`, or an `incus_remote` block's `trust_token`) becomes trusted under `client_name`. " +
			"The token is never written to plan or state. At the end of the run the token is revoked unless it was used, so it must be used within the run that opened it (each plan and apply opens a new one). " +
			"incusd issues tokens only while it listens on the network (`core.https_address`); their lifetime is the server's `core.remote_token_expiry`.",
		Attributes: map[string]schema.Attribute{
			"remote": schema.StringAttribute{Optional: true, Computed: true,
				Description: "Incus remote (see the provider's `incus_remote` blocks) whose trust store the token adds to. Defaults to the provider's default remote.",
				Validators:  []validator.String{fw.BlockNameValidator}},
			"client_name": schema.StringAttribute{Required: true,
				Description: "Name the client gets in the trust store.",
				Validators:  []validator.String{stringvalidator.LengthAtLeast(1)}},
			"projects": schema.SetAttribute{Optional: true, ElementType: types.StringType,
				Description: "Projects the client may use when `restricted` is true.",
				Validators:  []validator.Set{setvalidator.ValueStringsAre(stringvalidator.LengthAtLeast(1))}},
			"restricted": schema.BoolAttribute{Optional: true,
				Description: "Limit the client to `projects`. Defaults to `false` (the client may do everything)."},
			"expires_in": schema.StringAttribute{Optional: true,
				Description: "How long the token stays valid if unused, as a Go duration (`10m`, `1h`). incusd has no expiry per token, so the provider revokes it itself when this time is up, " +
					"or at the end of the run if that comes first (the provider runs only as long as Terraform does). The server's `core.remote_token_expiry`, when shorter, still applies.",
				Validators: []validator.String{fw.DurationValidator{}}},
			"token": schema.StringAttribute{Computed: true, Sensitive: true,
				Description: "The token, as `incus remote add` and the `trust_token` of an `incus_remote` block take it."},
			"expires_at": schema.StringAttribute{Computed: true, CustomType: timetypes.RFC3339Type{},
				Description: "When the token expires (RFC 3339): at `expires_in` or at the server's `core.remote_token_expiry`, whichever is first; null when neither is set. The token is revoked at the end of the run in any case, unless used."},
			"operation_id": schema.StringAttribute{Computed: true,
				Description: "ID of the server operation that stands for the token (`incus operation list`); deleting the operation revokes the token."},
		},
	}
}

func (r *tokenResource) Open(ctx context.Context, req ephemeral.OpenRequest, resp *ephemeral.OpenResponse) {
	var m tokenModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() || r.data == nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, tokenTimeout)
	defer cancel()
	spec := incus.TrustTokenSpec{ClientName: m.ClientName.ValueString(), Restricted: m.Restricted.ValueBool()}
	resp.Diagnostics.Append(m.Projects.ElementsAs(ctx, &spec.Projects, false)...)
	if resp.Diagnostics.HasError() {
		return
	}
	s := incusattr.ResolvedScope(r.data.Incus, incus.Scope{Remote: m.Remote.ValueString()})
	tok, err := r.data.Incus.CreateTrustToken(ctx, s, spec)
	if err != nil {
		fw.AddError(&resp.Diagnostics, "Unable to Open Incus Trust Token", err)
		return
	}
	open := &openToken{client: r.data.Incus}
	if d, err := time.ParseDuration(m.ExpiresIn.ValueString()); err == nil && d > 0 {
		if limit := time.Now().Add(d); tok.ExpiresAt.IsZero() || limit.Before(tok.ExpiresAt) {
			tok.ExpiresAt = limit
		}
		client, remote, id := r.data.Incus, s.Remote, tok.OperationID
		open.expiry = time.AfterFunc(d, func() {
			ctx, cancel := context.WithTimeout(context.Background(), tokenTimeout)
			defer cancel()
			// An error leaves the token to Close, which revokes it again.
			_, _ = client.RevokeTrustToken(ctx, incus.Scope{Remote: remote}, id)
		})
	}
	opened.Store(tok.OperationID, open)
	// Kept first: if anything below fails, Close still revokes the token.
	b, _ := json.Marshal(tokenPrivate{Remote: s.Remote, OperationID: tok.OperationID})
	resp.Diagnostics.Append(resp.Private.SetKey(ctx, tokenPrivateKey, b)...)
	m.Remote = types.StringValue(s.Remote)
	m.Token = types.StringValue(tok.Token)
	m.OperationID = types.StringValue(tok.OperationID)
	m.ExpiresAt = timetypes.NewRFC3339Null()
	if !tok.ExpiresAt.IsZero() {
		m.ExpiresAt = timetypes.NewRFC3339TimeValue(tok.ExpiresAt.UTC())
	}
	resp.Diagnostics.Append(resp.Result.Set(ctx, &m)...)
}

// Close revokes the token unless it was used: a used token's operation has
// ended already (incusd cancels it on use).
func (r *tokenResource) Close(ctx context.Context, req ephemeral.CloseRequest, resp *ephemeral.CloseResponse) {
	b, diags := req.Private.GetKey(ctx, tokenPrivateKey)
	resp.Diagnostics.Append(diags...)
	if len(b) == 0 {
		return
	}
	var p tokenPrivate
	if err := json.Unmarshal(b, &p); err != nil || p.OperationID == "" {
		return
	}
	var client *incus.Client
	if o, ok := opened.LoadAndDelete(p.OperationID); ok {
		open := o.(*openToken)
		if open.expiry != nil {
			open.expiry.Stop()
		}
		client = open.client
	} else if r.data != nil {
		client = r.data.Incus
	}
	if client == nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, tokenTimeout)
	defer cancel()
	if _, err := client.RevokeTrustToken(ctx, incus.Scope{Remote: p.Remote}, p.OperationID); err != nil {
		fw.AddError(&resp.Diagnostics, "Unable to Revoke Incus Trust Token",
			fmt.Errorf("the unused trust token (operation %s) is still valid; revoke it with `incus operation delete %s:%s`: %w", p.OperationID, p.Remote, p.OperationID, err))
	}
}
