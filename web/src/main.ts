import { createApp } from 'vue';
import ElementPlus from 'element-plus';
import 'element-plus/dist/index.css';
import './styles/theme.css';
import App from './App.vue';
import { api } from './api/client';
import { createLyraRouter } from './router';
import { useSession } from './modules/auth/use-session';

const router = createLyraRouter();
const session = useSession();

// Any 401 outside login means the session cookie expired: drop the user and ask them to sign in again.
api.setUnauthorizedHandler(() => {
  session.clear();
  const current = router.currentRoute.value;
  if (current.name !== 'login') void router.replace({ name: 'login', query: { next: current.fullPath } });
});

createApp(App).use(ElementPlus).use(router).mount('#app');
