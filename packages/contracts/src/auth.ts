import { z } from 'zod';
import { Pagination } from './common.js';

/** `campaign_approver`: the checker of maker-checker, who approves campaigns others submitted. */
export const ROLES = ['admin', 'marketer', 'analyst', 'viewer', 'campaign_approver'] as const;
export const Role = z.enum(ROLES);
export type Role = z.infer<typeof Role>;

export const LoginRequest = z.object({ email: z.string().trim().email(), password: z.string().min(1).max(200) }).strict();
export type LoginRequest = z.infer<typeof LoginRequest>;

export const User = z.object({
  id: z.string().uuid(),
  email: z.string(),
  name: z.string(),
  role: Role,
  is_active: z.boolean(),
  created_at: z.string(),
  updated_at: z.string(),
  last_login_at: z.string().nullable(),
});
export type User = z.infer<typeof User>;

export const LoginResponse = z.object({ token: z.string(), expires_at: z.string(), user: User });
export type LoginResponse = z.infer<typeof LoginResponse>;

/** The one password rule, for new users, admin resets and the user's own change. */
export const NewPassword = z.string().min(10, 'must be at least 10 characters').max(200);

export const UserCreate = z
  .object({
    email: z.string().trim().toLowerCase().email().max(254),
    name: z.string().trim().min(1).max(200),
    password: NewPassword,
    role: Role,
    is_active: z.boolean().default(true),
  })
  .strict();
export type UserCreate = z.infer<typeof UserCreate>;

export const UserUpdate = UserCreate.partial().strict();
export type UserUpdate = z.infer<typeof UserUpdate>;

/** The signed-in user changes their own password. */
export const PasswordChange = z
  .object({
    current_password: z.string().min(1, 'is required').max(200),
    new_password: NewPassword,
  })
  .strict();
export type PasswordChange = z.infer<typeof PasswordChange>;

/** The session that made the change stays signed in; the user's other sessions end. */
export const PasswordChangeResult = z.object({ other_sessions_ended: z.number().int().min(0) });
export type PasswordChangeResult = z.infer<typeof PasswordChangeResult>;

export const AuditEntry = z.object({
  id: z.string(),
  at: z.string(),
  actor_id: z.string().nullable(),
  actor_email: z.string().nullable(),
  action: z.enum(['create', 'update', 'delete', 'login', 'logout', 'activate', 'sync', 'import', 'confirm', 'set_master', 'split', 'link',
    'submit', 'approve', 'reject', 'launch', 'pause', 'resume', 'complete', 'cancel', 'acknowledge', 'attribute_responses']),
  entity_type: z.string(),
  entity_id: z.string().nullable(),
  before: z.unknown().nullable(),
  after: z.unknown().nullable(),
  request_id: z.string().nullable(),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

export const AuditQuery = z
  .object({
    entity_type: z.string().max(64).optional(),
    entity_id: z.string().max(200).optional(),
    actor_id: z.string().uuid().optional(),
    action: z.string().max(64).optional(),
    ...Pagination(),
  })
  .strict();
