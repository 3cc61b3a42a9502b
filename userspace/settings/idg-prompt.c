/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "idg-prompt.h"

#include <string.h>
#include <glib/gi18n.h>

#include "idg-rows.h"

/* "Allow for a period": the choices, in seconds */
static const guint64 periods[] = { 3600, 86400, 7 * 86400, 30 * 86400 };
#define DEFAULT_PERIOD 1

struct _IdgPrompt {
  AdwWindow       parent_instance;

  IdgSettingsApp *app;           /* weak: the app outlives its windows */
  gchar          *id;
  GtkWidget      *period_row;    /* the GtkDropDown of "Allow for" */
  GtkWidget      *period_button;
  GtkWidget      *buttons;       /* the grid of answers */
  GtkWidget      *error_label;
  GCancellable   *cancellable;
  gboolean        answered;      /* decided here, or withdrawn */
};

G_DEFINE_FINAL_TYPE (IdgPrompt, idg_prompt, ADW_TYPE_WINDOW)

enum { SIGNAL_DISMISSED, N_SIGNALS };
static guint signals[N_SIGNALS];

const gchar *
idg_prompt_get_id (IdgPrompt *prompt)
{
  return prompt->id;
}

void
idg_prompt_withdraw (IdgPrompt *prompt)
{
  prompt->answered = TRUE;
  gtk_window_destroy (GTK_WINDOW (prompt));
}

static void
show_error (IdgPrompt    *self,
            const GError *error)
{
  g_autofree gchar *text = idg_settings_app_error_text (error);

  gtk_label_set_text (GTK_LABEL (self->error_label), text);
  gtk_widget_set_visible (self->error_label, TRUE);
  gtk_widget_set_sensitive (self->buttons, TRUE);
}

static void
decided (IdgPrompt *self,
         GError    *error)
{
  if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
    g_autofree gchar *remote = g_dbus_error_get_remote_error (error);

    g_debug ("request %s: %s", self->id, error->message);
    show_error (self, error);
    /* no longer pending: nothing left to decide here */
    if (g_strcmp0 (remote, "org.idguard.Error.NotFound") == 0)
      gtk_widget_set_sensitive (self->buttons, FALSE);
    return;
  }
  if (error == NULL)
    idg_prompt_withdraw (self);
}

static void
approved (GObject      *source,
          GAsyncResult *res,
          gpointer      data)
{
  g_autoptr(IdgPrompt) self = data;
  g_autoptr(GError) error = NULL;
  g_autofree gchar *grant_id = NULL;
  gchar *token = NULL;

  if (idg_dbus_admin1_call_approve_finish (IDG_DBUS_ADMIN1 (source), &grant_id, &token, res, &error)) {
    /* the approver's token: never shown, never kept (the requester claims
     * its own, which makes this one worthless) */
    explicit_bzero (token, strlen (token));
    g_free (token);
  }
  decided (self, error);
}

static void
denied (GObject      *source,
        GAsyncResult *res,
        gpointer      data)
{
  g_autoptr(IdgPrompt) self = data;
  g_autoptr(GError) error = NULL;

  idg_dbus_admin1_call_deny_finish (IDG_DBUS_ADMIN1 (source), res, &error);
  decided (self, error);
}

static IdgDBusAdmin1 *
begin (IdgPrompt *self)
{
  IdgDBusAdmin1 *admin = self->app ? idg_settings_app_get_admin (self->app) : NULL;

  if (admin == NULL) {
    g_autoptr(GError) error = g_error_new_literal (G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN, "");

    show_error (self, error);
    return NULL;
  }
  gtk_widget_set_visible (self->error_label, FALSE);
  gtk_widget_set_sensitive (self->buttons, FALSE);
  return admin;
}

static void
approve (IdgPrompt *self,
         guint64    ttl)
{
  IdgDBusAdmin1 *admin = begin (self);

  if (admin != NULL)
    idg_dbus_admin1_call_approve (admin, self->id, ttl,
                                  G_DBUS_CALL_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION, -1,
                                  self->cancellable, approved, g_object_ref (self));
}

static guint64
period (IdgPrompt *self)
{
  guint i = gtk_drop_down_get_selected (GTK_DROP_DOWN (self->period_row));

  return periods[i < G_N_ELEMENTS (periods) ? i : DEFAULT_PERIOD];
}

static void
on_once (IdgPrompt *self)
{
  approve (self, IDG_PROMPT_ONCE_SECONDS);
}

static void
on_period (IdgPrompt *self)
{
  approve (self, period (self));
}

static void
on_always (IdgPrompt *self)
{
  approve (self, 0);
}

static void
on_deny (IdgPrompt *self)
{
  IdgDBusAdmin1 *admin = begin (self);

  if (admin != NULL)
    idg_dbus_admin1_call_deny (admin, self->id, G_DBUS_CALL_FLAGS_ALLOW_INTERACTIVE_AUTHORIZATION, -1,
                               self->cancellable, denied, g_object_ref (self));
}

static void
period_changed (IdgPrompt *self)
{
  g_autofree gchar *span = idg_words_duration (period (self));
  g_autofree gchar *label = g_strdup_printf (_("Allow for %s"), span);

  gtk_button_set_label (GTK_BUTTON (self->period_button), label);
}

/* ---- building ---- */

static GtkWidget *
group (const gchar *title)
{
  GtkWidget *g = adw_preferences_group_new ();

  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (g), title);
  return g;
}

static GtkWidget *
button (IdgPrompt   *self,
        const gchar *label,
        GCallback    cb)
{
  GtkWidget *b = gtk_button_new_with_label (label);

  g_signal_connect_swapped (b, "clicked", cb, self);
  return b;
}

static GtkWidget *
who_group (const IdgWho *who,
           const gchar  *requester)
{
  GtkWidget *g = group (_("Who is asking"));

  if (who != NULL)
    adw_preferences_group_add (ADW_PREFERENCES_GROUP (g), idg_rows_service (who));
  else if (requester != NULL) {
    /* no selector to vouch for the parts: the broker's description, as is */
    g_autofree gchar *raw = idg_words_printable (requester);

    adw_preferences_group_add (ADW_PREFERENCES_GROUP (g), idg_rows_text (raw, NULL));
  }
  return g;
}

static GtkWidget *
what_group (const gchar *scopes)
{
  GtkWidget *g = group (_("What it wants to read"));
  g_auto(GStrv) kinds = NULL;
  guint i;

  if (g_strcmp0 (scopes, "all") == 0)
    scopes = "imei,imeisv,esn,meid,imsi,iccid,eid,msisdn";
  kinds = g_strsplit (scopes != NULL ? scopes : "", ",", -1);
  for (i = 0; kinds[i] != NULL; i++) {
    if (*kinds[i] == '\0')
      continue;
    adw_preferences_group_add (ADW_PREFERENCES_GROUP (g),
                               idg_rows_text (idg_words_kind_name (kinds[i]),
                                         idg_words_kind_meaning (kinds[i])));
  }
  return g;
}

static GtkWidget *
why_group (const gchar *purpose)
{
  GtkWidget *g = group (_("Why, in its own words"));
  g_autofree gchar *text = idg_words_printable (purpose);
  /* TRANSLATORS: the service's purpose text, quoted */
  g_autofree gchar *quoted = g_strdup_printf (_("“%s”"), text);

  adw_preferences_group_add (ADW_PREFERENCES_GROUP (g), idg_rows_text (quoted, NULL));
  return g;
}

static GtkWidget *
period_dropdown (IdgPrompt *self)
{
  GtkStringList *model = gtk_string_list_new (NULL);
  GtkWidget *dropdown;
  guint i;

  for (i = 0; i < G_N_ELEMENTS (periods); i++) {
    g_autofree gchar *span = idg_words_duration (periods[i]);

    gtk_string_list_append (model, span);
  }
  dropdown = gtk_drop_down_new (G_LIST_MODEL (model), NULL);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (dropdown), DEFAULT_PERIOD);
  gtk_accessible_update_property (GTK_ACCESSIBLE (dropdown), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Period of “Allow for”"), -1);
  g_signal_connect_swapped (dropdown, "notify::selected", G_CALLBACK (period_changed), self);
  return dropdown;
}

/* The answers, always in view below the scrolled details:
 *   Deny            | Allow once
 *   Allow for 1 day | [1 day v]
 *   Always allow (both columns)  */
static GtkWidget *
answers (IdgPrompt *self)
{
  GtkWidget *grid = gtk_grid_new ();

  gtk_grid_set_row_spacing (GTK_GRID (grid), 8);
  gtk_grid_set_column_spacing (GTK_GRID (grid), 8);
  gtk_grid_set_column_homogeneous (GTK_GRID (grid), TRUE);
  gtk_widget_set_margin_top (grid, 12);
  gtk_widget_set_margin_bottom (grid, 12);
  gtk_widget_set_margin_start (grid, 12);
  gtk_widget_set_margin_end (grid, 12);
  self->period_row = period_dropdown (self);
  gtk_grid_attach (GTK_GRID (grid), button (self, _("Deny"), G_CALLBACK (on_deny)), 0, 0, 1, 1);
  gtk_grid_attach (GTK_GRID (grid), button (self, _("Allow once"), G_CALLBACK (on_once)), 1, 0, 1, 1);
  self->period_button = button (self, "", G_CALLBACK (on_period));
  gtk_grid_attach (GTK_GRID (grid), self->period_button, 0, 1, 1, 1);
  gtk_grid_attach (GTK_GRID (grid), self->period_row, 1, 1, 1, 1);
  gtk_grid_attach (GTK_GRID (grid), button (self, _("Always allow"), G_CALLBACK (on_always)), 0, 2, 2, 1);
  period_changed (self);
  return grid;
}

static void
build (IdgPrompt *self,
       GVariant  *request)
{
  g_auto(GVariantDict) d = G_VARIANT_DICT_INIT (request);
  const gchar *selector = NULL, *requester = NULL, *scopes = NULL, *purpose = NULL;
  g_autoptr(IdgWho) who = NULL;
  g_autofree gchar *name = NULL, *heading_text = NULL, *what = NULL, *once = NULL;
  g_autofree gchar *note = NULL;
  GtkWidget *box, *header, *scrolled, *clamp, *content, *heading, *footnote;
  gint w, h;

  g_variant_dict_lookup (&d, "id", "s", &self->id);
  g_variant_dict_lookup (&d, "selector", "&s", &selector);
  g_variant_dict_lookup (&d, "requester", "&s", &requester);
  g_variant_dict_lookup (&d, "scopes", "&s", &scopes);
  g_variant_dict_lookup (&d, "purpose", "&s", &purpose);
  /* without the request's selector (ListRequests not allowed), only the
   * broker's free-text description: shown as is, never parsed */
  who = selector != NULL ? idg_words_who_from_request (selector, requester) : NULL;
  name = who != NULL ? idg_words_who_name (who) : g_strdup (_("A program"));
  what = idg_words_scopes (scopes);

  gtk_window_set_title (GTK_WINDOW (self), _("Access to modem identifiers"));
  if (self->app != NULL && idg_settings_app_get_size (self->app, &w, &h))
    gtk_window_set_default_size (GTK_WINDOW (self), w, h);
  else
    gtk_window_set_default_size (GTK_WINDOW (self), 440, 720);

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  header = adw_header_bar_new ();
  adw_header_bar_set_title_widget (ADW_HEADER_BAR (header),
                                   adw_window_title_new (_("Access request"), _("Modem identifiers")));
  gtk_box_append (GTK_BOX (box), header);

  scrolled = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_widget_set_vexpand (scrolled, TRUE);
  clamp = adw_clamp_new ();
  adw_clamp_set_maximum_size (ADW_CLAMP (clamp), 560);
  content = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  gtk_widget_set_margin_top (content, 12);
  gtk_widget_set_margin_bottom (content, 18);
  gtk_widget_set_margin_start (content, 12);
  gtk_widget_set_margin_end (content, 12);

  /* TRANSLATORS: "chat-sync" wants to read your IMEI and phone number */
  heading_text = g_strdup_printf (_("“%s” wants to read your %s"), name, what);
  heading = gtk_label_new (heading_text);
  gtk_label_set_wrap (GTK_LABEL (heading), TRUE);
  gtk_label_set_justify (GTK_LABEL (heading), GTK_JUSTIFY_CENTER);
  gtk_widget_add_css_class (heading, "title-2");
  gtk_box_append (GTK_BOX (content), heading);

  gtk_box_append (GTK_BOX (content), why_group (purpose));
  gtk_box_append (GTK_BOX (content), what_group (scopes));
  gtk_box_append (GTK_BOX (content), who_group (who, requester));

  once = idg_words_duration (IDG_PROMPT_ONCE_SECONDS);
  note = g_strdup_printf (_("“Allow once” ends after %s. You can take any answer back "
                            "under Services; nothing is shared until you answer."), once);
  footnote = gtk_label_new (note);
  gtk_label_set_wrap (GTK_LABEL (footnote), TRUE);
  gtk_label_set_justify (GTK_LABEL (footnote), GTK_JUSTIFY_CENTER);
  gtk_widget_add_css_class (footnote, "dim-label");
  gtk_widget_add_css_class (footnote, "caption");
  gtk_box_append (GTK_BOX (content), footnote);

  adw_clamp_set_child (ADW_CLAMP (clamp), content);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), clamp);
  gtk_box_append (GTK_BOX (box), scrolled);
  self->error_label = gtk_label_new (NULL);
  gtk_label_set_wrap (GTK_LABEL (self->error_label), TRUE);
  gtk_widget_add_css_class (self->error_label, "error");
  gtk_widget_set_visible (self->error_label, FALSE);
  gtk_widget_set_margin_top (self->error_label, 6);
  gtk_box_append (GTK_BOX (box), self->error_label);

  gtk_box_append (GTK_BOX (box), gtk_separator_new (GTK_ORIENTATION_HORIZONTAL));
  clamp = adw_clamp_new ();
  adw_clamp_set_maximum_size (ADW_CLAMP (clamp), 560);
  self->buttons = answers (self);
  adw_clamp_set_child (ADW_CLAMP (clamp), self->buttons);
  gtk_box_append (GTK_BOX (box), clamp);
  adw_window_set_content (ADW_WINDOW (self), box);
}

static gboolean
idg_prompt_close_request (GtkWindow *window)
{
  IdgPrompt *self = IDG_PROMPT (window);

  if (!self->answered)
    g_signal_emit (self, signals[SIGNAL_DISMISSED], 0);
  self->answered = TRUE;
  return GTK_WINDOW_CLASS (idg_prompt_parent_class)->close_request (window);
}

static void
idg_prompt_dispose (GObject *object)
{
  IdgPrompt *self = IDG_PROMPT (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_weak_pointer (&self->app);
  G_OBJECT_CLASS (idg_prompt_parent_class)->dispose (object);
}

static void
idg_prompt_finalize (GObject *object)
{
  IdgPrompt *self = IDG_PROMPT (object);

  g_free (self->id);
  g_clear_object (&self->cancellable);
  G_OBJECT_CLASS (idg_prompt_parent_class)->finalize (object);
}

static void
idg_prompt_class_init (IdgPromptClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = idg_prompt_dispose;
  object_class->finalize = idg_prompt_finalize;
  window_class->close_request = idg_prompt_close_request;
  signals[SIGNAL_DISMISSED] = g_signal_new ("dismissed", G_TYPE_FROM_CLASS (klass),
                                            G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                            G_TYPE_NONE, 0);
}

static void
idg_prompt_init (IdgPrompt *self)
{
  self->cancellable = g_cancellable_new ();
}

IdgPrompt *
idg_prompt_new (IdgSettingsApp *app,
                GVariant       *request)
{
  IdgPrompt *self = g_object_new (IDG_TYPE_PROMPT, "application", app, NULL);

  g_set_weak_pointer (&self->app, app);
  build (self, request);
  return self;
}
