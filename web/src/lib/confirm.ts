import { ElMessageBox } from 'element-plus';

/** The confirming button: red for what cannot be taken back, amber for a risky run, the primary colour otherwise. */
export type ConfirmTone = 'danger' | 'warning' | 'primary';

/**
 * Asks once more before an action with consequences. Resolves true only when the user explicitly
 * confirms; closing the box or cancelling is a "no".
 */
export async function confirmAction(message: string, title: string, confirmText: string, tone: ConfirmTone = 'danger'): Promise<boolean> {
  try {
    await ElMessageBox.confirm(message, title, {
      type: 'warning',
      confirmButtonText: confirmText,
      cancelButtonText: 'Cancel',
      ...(tone === 'primary' ? {} : { confirmButtonClass: `el-button--${tone}` }),
    });
    return true;
  } catch {
    return false;
  }
}
