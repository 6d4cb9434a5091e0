import type { ConsoleModule } from '../layout/console-module';

export const auditModule: ConsoleModule = {
  pages: [{ path: 'admin/audit-log', name: 'audit-log', component: () => import('./routes/AuditLogPage.vue'), meta: { title: 'Audit log', permission: 'viewAudit' } }],
  nav: [{ label: 'Audit log', to: '/admin/audit-log', icon: 'audit', section: 'Admin', permission: 'viewAudit' }],
};
