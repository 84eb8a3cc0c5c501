"""reports: aggregate tables, tier overrides, tier SLA targets, read-only report_* views

Revision ID: m0005
Revises: m0009
Create Date: 2026-11-30 16:57:16.864810

The stats_* tables are derived: after this upgrade they are empty until the first refresh (the desk runs it in
the background at start-up; `helpdesk stats refresh` runs it by hand). Existing data is untouched.
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = 'm0005'
down_revision = 'm0009'
branch_labels = None
depends_on = None

# Read-only views for BI tools, over the same tables and definitions as the desk's pages (documented in the
# README). Each joins stats_state for the as-of day, which also makes them non-updatable on PostgreSQL.
REPORT_VIEWS: dict[str, str] = {
    # Sales per month by tier x store x channel x category; '*' in store, channel or category means all of them
    # (order counts only add up within one category, so totals come from category '*').
    "report_sales_month": """
        SELECT s.month, s.tier, s.store, s.channel, s.category,
               s.orders - s.returned_orders AS orders, s.gross_paise, s.returned_paise,
               s.gross_paise - s.returned_paise AS net_revenue_paise, s.units - s.returned_units AS units, st.as_of
        FROM stats_sales_month s CROSS JOIN stats_state st WHERE st.id = 1""",
    "report_sales_day": """
        SELECT d.day, d.orders - d.returned_orders AS orders, d.gross_paise, d.returned_paise,
               d.gross_paise - d.returned_paise AS net_revenue_paise, st.as_of
        FROM stats_sales_day d CROSS JOIN stats_state st WHERE st.id = 1""",
    # One row per customer by the neutral customer ID: no personal data.
    "report_customer": """
        SELECT c.code AS customer_id, s.first_purchase_on, s.last_purchase_on,
               s.orders - s.returned_orders AS orders, s.net_paise, s.tickets, s.claims, s.support_cost_paise,
               s.clv_paise, s.net_12m_paise, s.support_cost_12m_paise, s.value_12m_paise, s.outstanding_paise,
               s.late_payments, s.r_score, s.f_score, s.m_score, s.segment, s.last_category, s.derived_tier, s.tier,
               s.tier_reason,
               CASE WHEN s.last_purchase_on < k.lapsed_before THEN 1 ELSE 0 END AS lapsed, st.as_of
        FROM stats_customer s JOIN customer c ON c.id = s.customer_id
        LEFT JOIN stats_category k ON k.category = s.last_category
        CROSS JOIN stats_state st WHERE st.id = 1""",
    "report_customer_group": """
        SELECT g.kind, g.key, g.customers, g.buyers, g.orders, g.tickets, g.net_paise, g.support_cost_paise,
               g.clv_paise, CASE WHEN g.buyers > 0 THEN g.clv_paise / g.buyers END AS clv_per_buyer_paise,
               CASE WHEN g.customers > 0 THEN g.support_cost_paise / g.customers END AS cost_per_customer_paise,
               g.buyers_12m, g.repeat_12m, st.as_of
        FROM stats_group g CROSS JOIN stats_state st WHERE st.id = 1""",
    "report_churn": """
        SELECT k.category, k.gaps, k.median_gap_days, k.threshold_days, k.lapsed_before,
               COALESCE(g.buyers, 0) AS customers,
               (SELECT COUNT(*) FROM stats_customer s
                 WHERE s.last_category = k.category AND s.last_purchase_on < k.lapsed_before) AS lapsed, st.as_of
        FROM stats_category k LEFT JOIN stats_group g ON g.kind = 'last_category' AND g.key = k.category
        CROSS JOIN stats_state st WHERE st.id = 1""",
    "report_cohort": """
        SELECT c.cohort_month, c.months_after, c.customers, z.customers AS cohort_size,
               c.customers * 1.0 / z.customers AS share, st.as_of
        FROM stats_cohort c JOIN stats_cohort z ON z.cohort_month = c.cohort_month AND z.months_after = 0
        CROSS JOIN stats_state st WHERE st.id = 1""",
    "report_repeat": """
        SELECT r.period, r.period_start, r.buyers, r.repeat_buyers, r.new_buyers,
               CASE WHEN r.buyers > 0 THEN r.repeat_buyers * 1.0 / r.buyers END AS repeat_rate, st.as_of
        FROM stats_repeat r CROSS JOIN stats_state st WHERE st.id = 1""",
    "report_ticket": """
        SELECT t.number AS ticket, s.created_day, s.solved_day, s.status, s.priority, s.channel, s.assignee_id,
               s.tags, s.first_reply_seconds, s.resolution_seconds, s.reopens, s.sla_met, s.satisfaction, st.as_of
        FROM stats_ticket s JOIN ticket t ON t.id = s.ticket_id CROSS JOIN stats_state st WHERE st.id = 1""",
    # dim is all, agent, channel, priority or tag; created counts on the creation day, the rest on the solved day.
    "report_support_day": """
        SELECT d.day, d.dim, d.key, d.created, d.solved, d.reopened, d.sla_due, d.sla_met, d.rated, d.rating_sum,
               d.rating_1, d.rating_2, d.rating_3, d.rating_4, d.rating_5, st.as_of
        FROM stats_support_day d CROSS JOIN stats_state st WHERE st.id = 1""",
    "report_claim": """
        SELECT w.number AS claim, s.filed_day, s.category, s.model_number, s.fault_category, s.status, s.remedy,
               s.outcome, s.turnaround_seconds, s.cost_paise, st.as_of
        FROM stats_claim s JOIN warranty_claim w ON w.id = s.claim_id CROSS JOIN stats_state st WHERE st.id = 1""",
}


def upgrade() -> None:
    # ### commands auto generated by Alembic - please adjust! ###
    op.create_table('stats_category',
    sa.Column('category', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('gaps', sa.Integer(), nullable=False),
    sa.Column('median_gap_days', sa.Integer(), nullable=True),
    sa.Column('threshold_days', sa.Integer(), nullable=False),
    sa.Column('lapsed_before', sa.Date(), nullable=True),
    sa.PrimaryKeyConstraint('category')
    )
    op.create_table('stats_claim',
    sa.Column('claim_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('filed_day', sa.Date(), nullable=False),
    sa.Column('category', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('model_number', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('fault_category', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('remedy', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('outcome', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('turnaround_seconds', sa.Integer(), nullable=True),
    sa.Column('cost_paise', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('claim_id')
    )
    with op.batch_alter_table('stats_claim', schema=None) as batch_op:
        batch_op.create_index('ix_stats_claim_customer', ['customer_id'], unique=False)
        batch_op.create_index('ix_stats_claim_filed', ['filed_day'], unique=False)

    op.create_table('stats_cohort',
    sa.Column('cohort_month', sa.Date(), nullable=False),
    sa.Column('months_after', sa.Integer(), nullable=False),
    sa.Column('customers', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('cohort_month', 'months_after')
    )
    op.create_table('stats_customer',
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('first_purchase_on', sa.Date(), nullable=True),
    sa.Column('last_purchase_on', sa.Date(), nullable=True),
    sa.Column('orders', sa.Integer(), nullable=False),
    sa.Column('returned_orders', sa.Integer(), nullable=False),
    sa.Column('units', sa.Integer(), nullable=False),
    sa.Column('gross_paise', sa.BigInteger(), nullable=False),
    sa.Column('returned_paise', sa.BigInteger(), nullable=False),
    sa.Column('net_paise', sa.BigInteger(), nullable=False),
    sa.Column('tickets', sa.Integer(), nullable=False),
    sa.Column('claims', sa.Integer(), nullable=False),
    sa.Column('claim_cost_paise', sa.BigInteger(), nullable=False),
    sa.Column('support_cost_paise', sa.BigInteger(), nullable=False),
    sa.Column('clv_paise', sa.BigInteger(), nullable=False),
    sa.Column('outstanding_paise', sa.BigInteger(), nullable=False),
    sa.Column('late_payments', sa.Integer(), nullable=False),
    sa.Column('net_12m_paise', sa.BigInteger(), nullable=False),
    sa.Column('orders_12m', sa.Integer(), nullable=False),
    sa.Column('tickets_12m', sa.Integer(), nullable=False),
    sa.Column('support_cost_12m_paise', sa.BigInteger(), nullable=False),
    sa.Column('value_12m_paise', sa.BigInteger(), nullable=False),
    sa.Column('r_score', sa.Integer(), nullable=True),
    sa.Column('f_score', sa.Integer(), nullable=True),
    sa.Column('m_score', sa.Integer(), nullable=True),
    sa.Column('segment', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=True),
    sa.Column('last_category', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=True),
    sa.Column('derived_tier', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('tier', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('tier_reason', sa.Text(), server_default='', nullable=False),
    sa.Column('history', sa.Text(), server_default='{}', nullable=False),
    sa.PrimaryKeyConstraint('customer_id')
    )
    with op.batch_alter_table('stats_customer', schema=None) as batch_op:
        batch_op.create_index('ix_stats_customer_lapse', ['last_category', 'last_purchase_on'], unique=False)
        batch_op.create_index('ix_stats_customer_segment_value', ['segment', 'value_12m_paise', 'customer_id'], unique=False)
        batch_op.create_index('ix_stats_customer_tier_value', ['tier', 'value_12m_paise', 'customer_id'], unique=False)
        batch_op.create_index('ix_stats_customer_value', ['value_12m_paise', 'customer_id'], unique=False)

    op.create_table('stats_dirty',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=True),
    sa.Column('purchase_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('stats_dirty', schema=None) as batch_op:
        batch_op.create_index('ix_stats_dirty_purchase', ['purchase_id'], unique=False)
    op.create_table('stats_gap',
    sa.Column('category', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('gap_days', sa.Integer(), nullable=False),
    sa.Column('purchases', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('category', 'gap_days')
    )
    op.create_table('stats_group',
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('customers', sa.Integer(), nullable=False),
    sa.Column('buyers', sa.Integer(), nullable=False),
    sa.Column('orders', sa.Integer(), nullable=False),
    sa.Column('tickets', sa.Integer(), nullable=False),
    sa.Column('net_paise', sa.BigInteger(), nullable=False),
    sa.Column('support_cost_paise', sa.BigInteger(), nullable=False),
    sa.Column('clv_paise', sa.BigInteger(), nullable=False),
    sa.Column('value_12m_paise', sa.BigInteger(), nullable=False),
    sa.Column('buyers_12m', sa.Integer(), nullable=False),
    sa.Column('repeat_12m', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('kind', 'key')
    )
    op.create_table('stats_repeat',
    sa.Column('period', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('buyers', sa.Integer(), nullable=False),
    sa.Column('repeat_buyers', sa.Integer(), nullable=False),
    sa.Column('new_buyers', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('period', 'period_start')
    )
    op.create_table('stats_sales_day',
    sa.Column('orders', sa.Integer(), nullable=False),
    sa.Column('returned_orders', sa.Integer(), nullable=False),
    sa.Column('units', sa.Integer(), nullable=False),
    sa.Column('returned_units', sa.Integer(), nullable=False),
    sa.Column('gross_paise', sa.BigInteger(), nullable=False),
    sa.Column('returned_paise', sa.BigInteger(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('day')
    )
    op.create_table('stats_sales_month',
    sa.Column('orders', sa.Integer(), nullable=False),
    sa.Column('returned_orders', sa.Integer(), nullable=False),
    sa.Column('units', sa.Integer(), nullable=False),
    sa.Column('returned_units', sa.Integer(), nullable=False),
    sa.Column('gross_paise', sa.BigInteger(), nullable=False),
    sa.Column('returned_paise', sa.BigInteger(), nullable=False),
    sa.Column('category', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('store', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('tier', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('category', 'store', 'channel', 'tier', 'month')
    )
    op.create_table('stats_segment_mix',
    sa.Column('segment', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('category', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('brand', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('customers', sa.Integer(), nullable=False),
    sa.Column('units', sa.Integer(), nullable=False),
    sa.Column('net_paise', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('segment', 'category', 'brand')
    )
    op.create_table('stats_state',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('refreshed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('full_refreshed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('full_refresh_seconds', sa.Float(), nullable=True),
    sa.Column('busy_since', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('settings_key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('cutoff_platinum', sa.BigInteger(), nullable=True),
    sa.Column('cutoff_gold', sa.BigInteger(), nullable=True),
    sa.Column('cutoff_silver', sa.BigInteger(), nullable=True),
    sa.Column('ranked_customers', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('stats_support_day',
    sa.Column('dim', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('created', sa.Integer(), nullable=False),
    sa.Column('solved', sa.Integer(), nullable=False),
    sa.Column('reopened', sa.Integer(), nullable=False),
    sa.Column('sla_due', sa.Integer(), nullable=False),
    sa.Column('sla_met', sa.Integer(), nullable=False),
    sa.Column('rated', sa.Integer(), nullable=False),
    sa.Column('rating_sum', sa.Integer(), nullable=False),
    sa.Column('rating_1', sa.Integer(), nullable=False),
    sa.Column('rating_2', sa.Integer(), nullable=False),
    sa.Column('rating_3', sa.Integer(), nullable=False),
    sa.Column('rating_4', sa.Integer(), nullable=False),
    sa.Column('rating_5', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('dim', 'day', 'key')
    )
    op.create_table('stats_ticket',
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('created_day', sa.Date(), nullable=False),
    sa.Column('solved_day', sa.Date(), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('priority', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('tags', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('first_reply_seconds', sa.Integer(), nullable=True),
    sa.Column('resolution_seconds', sa.Integer(), nullable=True),
    sa.Column('reopens', sa.Integer(), nullable=False),
    sa.Column('sla_met', sa.Boolean(), nullable=True),
    sa.Column('satisfaction', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('ticket_id')
    )
    with op.batch_alter_table('stats_ticket', schema=None) as batch_op:
        batch_op.create_index('ix_stats_ticket_created', ['created_day', 'first_reply_seconds', 'channel', 'priority', 'assignee_id', 'tags'], unique=False)
        batch_op.create_index('ix_stats_ticket_customer', ['customer_id'], unique=False)
        batch_op.create_index('ix_stats_ticket_solved', ['solved_day', 'resolution_seconds', 'channel', 'priority', 'assignee_id', 'tags'], unique=False)

    op.create_table('tier_sla_policy',
    sa.Column('tier', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('priority', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('first_response_minutes', sa.Integer(), nullable=False),
    sa.Column('resolution_minutes', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('tier', 'priority')
    )
    op.create_table('tier_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('old_tier', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('new_tier', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('override', sa.Boolean(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['agent.id'], ),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('tier_change', schema=None) as batch_op:
        batch_op.create_index('ix_tier_change_customer', ['customer_id', 'created_at'], unique=False)

    op.create_table('tier_override',
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('tier', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['agent.id'], ),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], ),
    sa.PrimaryKeyConstraint('customer_id')
    )
    # ### end Alembic commands ###

    state = sa.table("stats_state", sa.column("id", sa.Integer), sa.column("version", sa.Integer),
                     sa.column("ranked_customers", sa.Integer))
    op.bulk_insert(state, [{"id": 1, "version": 0, "ranked_customers": 0}])

    # Tighter targets for the customers worth most (minutes: first response, resolution); standard keeps the
    # sla_policy table's targets. Supervisors tune both tables.
    tier_sla = sa.table("tier_sla_policy", sa.column("tier", sa.String), sa.column("priority", sa.String),
                        sa.column("first_response_minutes", sa.Integer), sa.column("resolution_minutes", sa.Integer))
    targets = {
        "platinum": {"urgent": (15, 120), "high": (30, 240), "normal": (60, 480), "low": (120, 1440)},
        "gold": {"urgent": (20, 180), "high": (45, 360), "normal": (120, 720), "low": (240, 2160)},
        "silver": {"urgent": (30, 240), "high": (60, 480), "normal": (180, 1080), "low": (360, 3600)},
    }
    op.bulk_insert(tier_sla, [
        {"tier": tier, "priority": priority, "first_response_minutes": first, "resolution_minutes": resolution}
        for tier, by_priority in targets.items() for priority, (first, resolution) in by_priority.items()
    ])
    for name, body in REPORT_VIEWS.items():
        op.execute(f"CREATE VIEW {name} AS {body}")


def downgrade() -> None:
    for name in REPORT_VIEWS:
        op.execute(f"DROP VIEW IF EXISTS {name}")
    # ### commands auto generated by Alembic - please adjust! ###
    op.drop_table('tier_override')
    with op.batch_alter_table('tier_change', schema=None) as batch_op:
        batch_op.drop_index('ix_tier_change_customer')

    op.drop_table('tier_change')
    op.drop_table('tier_sla_policy')
    with op.batch_alter_table('stats_ticket', schema=None) as batch_op:
        batch_op.drop_index('ix_stats_ticket_solved')
        batch_op.drop_index('ix_stats_ticket_customer')
        batch_op.drop_index('ix_stats_ticket_created')

    op.drop_table('stats_ticket')
    op.drop_table('stats_support_day')
    op.drop_table('stats_state')
    op.drop_table('stats_segment_mix')
    op.drop_table('stats_sales_month')
    op.drop_table('stats_sales_day')
    op.drop_table('stats_repeat')
    op.drop_table('stats_group')
    op.drop_table('stats_gap')
    with op.batch_alter_table('stats_dirty', schema=None) as batch_op:
        batch_op.drop_index('ix_stats_dirty_purchase')

    op.drop_table('stats_dirty')
    with op.batch_alter_table('stats_customer', schema=None) as batch_op:
        batch_op.drop_index('ix_stats_customer_value')
        batch_op.drop_index('ix_stats_customer_tier_value')
        batch_op.drop_index('ix_stats_customer_segment_value')
        batch_op.drop_index('ix_stats_customer_lapse')

    op.drop_table('stats_customer')
    op.drop_table('stats_cohort')
    with op.batch_alter_table('stats_claim', schema=None) as batch_op:
        batch_op.drop_index('ix_stats_claim_filed')
        batch_op.drop_index('ix_stats_claim_customer')

    op.drop_table('stats_claim')
    op.drop_table('stats_category')
    # ### end Alembic commands ###
